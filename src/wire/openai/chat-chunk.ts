import type { JsonValue } from "@bufbuild/protobuf";
import { Role } from "../../../gen/switchyard/v1/chat_pb.js";
import type {
  ChatCompletionChunk,
  ChoiceDelta,
  ToolCallDelta,
} from "../../../gen/switchyard/v1/completion_pb.js";
import { invalidUpstreamResponse } from "../../errors/gateway-error.js";
import { decodeArguments, decodeReasoning } from "./chat-completion.js";
import { roleByName, roleNames } from "./chat-messages.js";
import { decodeChoices, decodeCreated, encodeCompletionFields } from "./completion-fields.js";
import { decodeFinishReason, encodeFinishReason } from "./finish-reason.js";
import { isJsonObject } from "./json-object.js";
import { decodeStreamError } from "./openai-error.js";
import type { OpenAIChatChunk, OpenAIChunkChoice, OpenAIDelta, OpenAIToolCallDelta } from "./openai-types.js";
import { decodeUsage, newsOnly } from "./usage.js";

/**
 * One `chat.completion.chunk` between OpenAI JSON and
 * switchyard.v1.ChatCompletionChunk.
 *
 * Decoding reads an upstream's SSE `data:` JSON (the caller handles
 * `[DONE]`) and is as forgiving as decodeChatCompletion. A chunk with an
 * `error` member, which some OpenAI-compatible servers send when they fail
 * mid-stream, is thrown as the decoded GatewayError.
 */
export function decodeChatChunk(json: unknown): ChatCompletionChunk {
  if (!isJsonObject(json)) throw invalidUpstreamResponse();
  if (json.error !== undefined && json.error !== null) throw decodeStreamError(json.error);
  const choices = decodeChoices(json.choices, decodeChoiceDelta);
  // Literals rather than create(): this runs per streamed chunk, and create() fills fields by reflection
  // (~0.9 µs a chunk); a proto3 message is this plain object, every field given.
  return {
    $typeName: "switchyard.v1.ChatCompletionChunk",
    id: typeof json.id === "string" ? json.id : "",
    created: decodeCreated(json.created),
    model: typeof json.model === "string" ? json.model : "",
    choices,
    usage: decodeUsage(json.usage),
    systemFingerprint: typeof json.system_fingerprint === "string" ? json.system_fingerprint : "",
    route: undefined,
  };
}

function decodeChoiceDelta(choice: { [key: string]: JsonValue }, index: number): ChoiceDelta {
  const delta = isJsonObject(choice.delta) ? choice.delta : {};
  return {
    $typeName: "switchyard.v1.ChoiceDelta",
    index,
    role:
      typeof delta.role === "string" ? (roleByName.get(delta.role) ?? Role.UNSPECIFIED) : Role.UNSPECIFIED,
    content: typeof delta.content === "string" ? delta.content : "",
    toolCalls: decodeToolCallDeltas(delta.tool_calls),
    finishReason: decodeFinishReason(choice.finish_reason),
    refusal: typeof delta.refusal === "string" ? delta.refusal : "",
    reasoningContent: decodeReasoning(delta),
    logprobs: isJsonObject(choice.logprobs) ? choice.logprobs : undefined,
  };
}

function decodeToolCallDeltas(value: JsonValue | undefined): ToolCallDelta[] {
  if (!Array.isArray(value)) return [];
  const deltas: ToolCallDelta[] = [];
  for (let position = 0; position < value.length; position++) {
    const call = value[position];
    if (!isJsonObject(call)) continue;
    const fn = isJsonObject(call.function) ? call.function : undefined;
    deltas.push({
      $typeName: "switchyard.v1.ToolCallDelta",
      // Servers that leave out `index` send one call per chunk in practice.
      index: typeof call.index === "number" ? call.index : position,
      id: typeof call.id === "string" ? call.id : "",
      name: typeof fn?.name === "string" ? fn.name : "",
      arguments: decodeArguments(fn?.arguments),
    });
  }
  return deltas;
}

export interface EncodeChatChunkOptions {
  /**
   * The client's `stream_options.include_usage`. True: every chunk carries
   * `usage`, null except on the chunk that has it (OpenAI's own shape).
   * False: `usage` is never written. Absent: written only where present.
   */
  includeUsage?: boolean;
}

/**
 * One chunk as the OpenAI SDK reads it: `finish_reason` null until the last
 * delta of a choice, `logprobs` null when absent, tool call deltas with `id`,
 * `type` and `name` only when the delta has them. Stateless: a choice's role
 * is written when the chunk sets it; use createChatChunkEncoder to add it to
 * each choice's first delta regardless.
 */
export function encodeChatChunk(
  chunk: ChatCompletionChunk,
  options: EncodeChatChunkOptions = {},
): OpenAIChatChunk {
  return encodeChunk(chunk, options.includeUsage, undefined);
}

/**
 * A per-stream encoder for the REST shim. Beyond encodeChatChunk it marks
 * the first delta of every choice with `role: "assistant"`, and returns
 * undefined for chunks with nothing for this client: no choices, and no
 * usage the client asked for (the gateway always asks upstreams for usage,
 * the client may not have).
 */
export function createChatChunkEncoder(options: {
  includeUsage: boolean;
}): (chunk: ChatCompletionChunk) => OpenAIChatChunk | undefined {
  const startedChoices = new Set<number>();
  return newsOnly(options.includeUsage, (chunk: ChatCompletionChunk) =>
    encodeChunk(chunk, options.includeUsage, startedChoices),
  );
}

function encodeChunk(
  chunk: ChatCompletionChunk,
  includeUsage: boolean | undefined,
  startedChoices: Set<number> | undefined,
): OpenAIChatChunk {
  const choices: OpenAIChunkChoice[] = new Array(chunk.choices.length);
  for (let position = 0; position < chunk.choices.length; position++) {
    const choice = chunk.choices[position]!;
    let role = roleNames[choice.role];
    if (startedChoices !== undefined && !startedChoices.has(choice.index)) {
      startedChoices.add(choice.index);
      role ??= "assistant";
    }
    choices[position] = {
      index: choice.index,
      delta: encodeDelta(choice, role),
      logprobs: choice.logprobs ?? null,
      finish_reason: encodeFinishReason(choice.finishReason) ?? null,
    };
  }
  return encodeCompletionFields(chunk, "chat.completion.chunk", choices, includeUsage);
}

function encodeDelta(choice: ChoiceDelta, role: OpenAIDelta["role"]): OpenAIDelta {
  const delta: OpenAIDelta = {};
  if (role !== undefined) delta.role = role;
  if (choice.content !== "") delta.content = choice.content;
  else if (role !== undefined && choice.toolCalls.length === 0 && choice.refusal === "") {
    // OpenAI opens a choice with {role:"assistant", content:""}.
    delta.content = "";
  }
  if (choice.refusal !== "") delta.refusal = choice.refusal;
  if (choice.toolCalls.length > 0) delta.tool_calls = choice.toolCalls.map(encodeToolCallDelta);
  if (choice.reasoningContent !== "") delta.reasoning_content = choice.reasoningContent;
  return delta;
}

function encodeToolCallDelta(call: ToolCallDelta): OpenAIToolCallDelta {
  const fn: NonNullable<OpenAIToolCallDelta["function"]> = {};
  if (call.name !== "") fn.name = call.name;
  fn.arguments = call.arguments;
  if (call.id === "") return { index: call.index, function: fn };
  return { index: call.index, id: call.id, type: "function", function: fn };
}
