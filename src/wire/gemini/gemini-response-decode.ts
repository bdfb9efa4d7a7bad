import { create } from "@bufbuild/protobuf";
import { FinishReason, Role, type ToolCall, ToolCallSchema } from "../../../gen/switchyard/v1/chat_pb.js";
import {
  type ChatCompletion,
  ChatCompletionSchema,
  type Choice,
  ChoiceSchema,
} from "../../../gen/switchyard/v1/completion_pb.js";
import { invalidUpstreamResponse } from "../../errors/gateway-error.js";
import { isJsonObject } from "../openai/json-object.js";
import { textPart } from "../text-part.js";
import { decodeGeminiFinishReason } from "./gemini-finish-reason.js";
import { decodeGeminiUsage } from "./gemini-usage.js";

/**
 * A whole GenerateContentResponse as switchyard.v1.ChatCompletion, one
 * choice per candidate. Text parts are joined into the message text,
 * `thought` parts into its reasoning content, `functionCall` parts become
 * tool calls (Gemini's `id` when it sends one, else a generated one; the
 * encoder names tool results from the calls, so any id round-trips).
 * A prompt blocked before any candidate (`promptFeedback.blockReason`)
 * is an empty answer with finish reason CONTENT_FILTER, as LiteLLM returns
 * it, not an error: the request was valid and the call billed.
 */
export function decodeGeminiResponse(json: unknown, newToolCallId: () => string): ChatCompletion {
  if (!isJsonObject(json)) throw invalidUpstreamResponse();
  const candidates = Array.isArray(json.candidates) ? json.candidates.filter(isJsonObject) : [];
  const choices: Choice[] = candidates.map((candidate, position) => {
    const parts = readParts(candidate.content, newToolCallId);
    return create(ChoiceSchema, {
      index: typeof candidate.index === "number" ? candidate.index : position,
      message: {
        role: Role.ASSISTANT,
        content: parts.text === "" ? [] : [textPart(parts.text)],
        toolCalls: parts.toolCalls,
        reasoningContent: parts.reasoning,
      },
      finishReason: decodeGeminiFinishReason(candidate.finishReason, parts.toolCalls.length > 0),
    });
  });
  if (choices.length === 0 && isJsonObject(json.promptFeedback) && json.promptFeedback.blockReason) {
    choices.push(
      create(ChoiceSchema, {
        index: 0,
        message: { role: Role.ASSISTANT },
        finishReason: FinishReason.CONTENT_FILTER,
      }),
    );
  }
  return create(ChatCompletionSchema, {
    id: typeof json.responseId === "string" ? json.responseId : "",
    created: BigInt(Math.floor(Date.now() / 1000)),
    model: typeof json.modelVersion === "string" ? json.modelVersion : "",
    choices,
    usage: decodeGeminiUsage(json.usageMetadata),
  });
}

/**
 * Thinking models sign their function calls (`thoughtSignature`) and
 * require the signature back with the call in the next turn; OpenAI's tool
 * call has no place for it but its id, which clients echo verbatim. So the
 * signature rides in the id after this separator (LiteLLM's convention,
 * so ids from either gateway round-trip through both).
 */
export const THOUGHT_SIGNATURE_SEPARATOR = "__thought__";

/** What one candidate's (or one stream chunk's) parts say. */
export interface GeminiParts {
  text: string;
  reasoning: string;
  toolCalls: ToolCall[];
}

export function readParts(content: unknown, newToolCallId: () => string): GeminiParts {
  const result: GeminiParts = { text: "", reasoning: "", toolCalls: [] };
  if (!isJsonObject(content) || !Array.isArray(content.parts)) return result;
  for (const part of content.parts) {
    if (!isJsonObject(part)) continue;
    if (typeof part.text === "string") {
      if (part.thought === true) result.reasoning += part.text;
      else result.text += part.text;
    } else if (isJsonObject(part.functionCall)) {
      const call = part.functionCall;
      const id = typeof call.id === "string" && call.id !== "" ? call.id : newToolCallId();
      result.toolCalls.push(
        create(ToolCallSchema, {
          id:
            typeof part.thoughtSignature === "string" && part.thoughtSignature !== ""
              ? `${id}${THOUGHT_SIGNATURE_SEPARATOR}${part.thoughtSignature}`
              : id,
          name: typeof call.name === "string" ? call.name : "",
          arguments: JSON.stringify(isJsonObject(call.args) ? call.args : {}),
        }),
      );
    }
  }
  return result;
}
