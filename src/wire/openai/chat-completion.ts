import { create, type JsonValue } from "@bufbuild/protobuf";
import {
  type ChatMessage,
  ChatMessageSchema,
  type ContentPart,
  ContentPartSchema,
  Role,
  type ToolCall,
  ToolCallSchema,
} from "../../../gen/switchyard/v1/chat_pb.js";
import {
  type ChatCompletion,
  ChatCompletionSchema,
  type Choice,
  ChoiceSchema,
} from "../../../gen/switchyard/v1/completion_pb.js";
import { invalidUpstreamResponse } from "../../errors/gateway-error.js";
import { decodeChoices, decodeCompletionFields } from "./completion-fields.js";
import { decodeFinishReason, encodeFinishReason } from "./finish-reason.js";
import { isJsonObject } from "./json-object.js";
import { decodeStreamError } from "./openai-error.js";
import type {
  OpenAIChatCompletion,
  OpenAIChoice,
  OpenAIResponseMessage,
  OpenAIToolCall,
} from "./openai-types.js";
import { encodeUsage } from "./usage.js";

/**
 * A whole chat completion between OpenAI JSON and switchyard.v1.ChatCompletion.
 *
 * Decoding reads upstream bodies and is forgiving: missing fields take their
 * zero values, `content: ""` means no text, unknown finish reasons become
 * UNSPECIFIED. It throws only when the body is not a JSON object, or when it
 * is an error object sent with a 2xx status.
 */
export function decodeChatCompletion(json: unknown): ChatCompletion {
  if (!isJsonObject(json)) throw invalidUpstreamResponse();
  if (json.error !== undefined && json.error !== null && json.choices === undefined) {
    throw decodeStreamError(json.error);
  }
  const rawChoices = json.choices;
  // A 200 without choices ({} or another API's JSON) is no answer, not an empty one.
  if (!Array.isArray(rawChoices)) throw invalidUpstreamResponse(undefined, "upstream answer has no choices");
  const choices = decodeChoices(rawChoices, (choice, index) =>
    create(ChoiceSchema, {
      index,
      message: decodeResponseMessage(choice.message),
      finishReason: decodeFinishReason(choice.finish_reason),
      logprobs: isJsonObject(choice.logprobs) ? choice.logprobs : undefined,
    }),
  );
  return create(ChatCompletionSchema, { ...decodeCompletionFields(json), choices });
}

function decodeResponseMessage(value: JsonValue | undefined): ChatMessage {
  const content: ContentPart[] = [];
  let toolCalls: ToolCall[] = [];
  let reasoningContent = "";
  if (isJsonObject(value)) {
    const text = value.content;
    if (typeof text === "string") {
      if (text !== "") content.push(create(ContentPartSchema, { part: { case: "text", value: text } }));
    } else if (Array.isArray(text)) {
      // Some compatible servers answer with parts; text and refusal parts are kept.
      for (const part of text) {
        if (!isJsonObject(part)) continue;
        if (part.type === "text" && typeof part.text === "string") {
          content.push(create(ContentPartSchema, { part: { case: "text", value: part.text } }));
        } else if (part.type === "refusal" && typeof part.refusal === "string") {
          content.push(create(ContentPartSchema, { part: { case: "refusal", value: part.refusal } }));
        }
      }
    }
    if (typeof value.refusal === "string" && value.refusal !== "") {
      content.push(create(ContentPartSchema, { part: { case: "refusal", value: value.refusal } }));
    }
    toolCalls = decodeResponseToolCalls(value.tool_calls);
    reasoningContent = decodeReasoning(value);
  }
  return create(ChatMessageSchema, { role: Role.ASSISTANT, content, toolCalls, reasoningContent });
}

/**
 * Exposed reasoning: `reasoning_content` (DeepSeek, vLLM) or `reasoning`
 * (OpenRouter, Ollama) when it is a string.
 */
export function decodeReasoning(value: { [key: string]: JsonValue }): string {
  const reasoning = value.reasoning_content ?? value.reasoning;
  return typeof reasoning === "string" ? reasoning : "";
}

function decodeResponseToolCalls(value: JsonValue | undefined): ToolCall[] {
  if (!Array.isArray(value)) return [];
  const toolCalls: ToolCall[] = [];
  for (const call of value) {
    if (!isJsonObject(call)) continue;
    const fn = isJsonObject(call.function) ? call.function : undefined;
    toolCalls.push(
      create(ToolCallSchema, {
        id: typeof call.id === "string" ? call.id : "",
        name: typeof fn?.name === "string" ? fn.name : "",
        arguments: decodeArguments(fn?.arguments),
      }),
    );
  }
  return toolCalls;
}

/**
 * Tool arguments are JSON text. A few servers send an object instead; it is
 * written back as text, the one representation the proto has.
 */
export function decodeArguments(value: JsonValue | undefined): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "";
  return JSON.stringify(value);
}

/** The body the OpenAI SDK expects from `POST /v1/chat/completions` without streaming. */
export function encodeChatCompletion(completion: ChatCompletion): OpenAIChatCompletion {
  const encoded: OpenAIChatCompletion = {
    id: completion.id,
    object: "chat.completion",
    created: Number(completion.created),
    model: completion.model,
    choices: completion.choices.map(encodeChoice),
  };
  if (completion.usage !== undefined) encoded.usage = encodeUsage(completion.usage);
  if (completion.systemFingerprint !== "") encoded.system_fingerprint = completion.systemFingerprint;
  return encoded;
}

function encodeChoice(choice: Choice): OpenAIChoice {
  const message = encodeResponseMessage(choice.message);
  return {
    index: choice.index,
    message,
    logprobs: choice.logprobs ?? null,
    // A whole completion always has a reason; an unreported one is inferred.
    finish_reason:
      encodeFinishReason(choice.finishReason) ?? (message.tool_calls !== undefined ? "tool_calls" : "stop"),
  };
}

/** Text parts are joined into `content`, refusal parts into `refusal`; both are null when empty. */
function encodeResponseMessage(message: ChatMessage | undefined): OpenAIResponseMessage {
  let content: string | null = null;
  let refusal: string | null = null;
  if (message === undefined) return { role: "assistant", content, refusal };
  for (const { part } of message.content) {
    if (part.case === "text") content = content === null ? part.value : content + part.value;
    else if (part.case === "refusal") refusal = refusal === null ? part.value : refusal + part.value;
  }
  const encoded: OpenAIResponseMessage = { role: "assistant", content, refusal };
  if (message.toolCalls.length > 0) encoded.tool_calls = message.toolCalls.map(encodeToolCall);
  if (message.reasoningContent !== "") encoded.reasoning_content = message.reasoningContent;
  return encoded;
}

function encodeToolCall(call: ToolCall): OpenAIToolCall {
  return { id: call.id, type: "function", function: { name: call.name, arguments: call.arguments } };
}
