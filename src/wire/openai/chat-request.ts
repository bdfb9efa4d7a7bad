import { create, type JsonValue } from "@bufbuild/protobuf";
import {
  type ChatCompletionRequest,
  ChatCompletionRequestSchema,
} from "../../../gen/switchyard/v1/completion_pb.js";
import { type DecodedRequest, readCallControl } from "../litellm/control-fields.js";
import { decodeChatMessages, encodeChatMessages } from "./chat-messages.js";
import {
  decodeResponseFormat,
  decodeToolChoice,
  decodeTools,
  encodeResponseFormat,
  encodeToolChoice,
  encodeTools,
} from "./chat-tools.js";
import { isJsonObject } from "./json-object.js";
import type { OpenAIChatRequest } from "./openai-types.js";
import {
  decodeStreamOptions,
  invalidField,
  optionalBoolean,
  optionalInt32,
  optionalObject,
  optionalString,
  requestBody,
  requiredNonEmptyString,
  unknownFields,
} from "./request-fields.js";
import { decodeSamplingFields, encodeSamplingFields } from "./sampling-fields.js";
import { finishCompletionBody } from "./upstream-body.js";

/**
 * The OpenAI chat request body (`POST /v1/chat/completions`) ⇄
 * switchyard.v1.ChatCompletionRequest.
 *
 * Decoding (REST shim) validates what it maps and forwards every key it does
 * not know (logit_bias, service_tier, store, prediction, modalities, top_k, …)
 * in `extra_body`, untouched, so new OpenAI parameters reach the upstream
 * without a gateway release. Encoding (OpenAI provider) writes the exact body
 * an OpenAI-compatible upstream expects.
 */

/**
 * Models that reject `max_tokens` and take `max_completion_tokens` instead
 * (OpenAI's reasoning models). Other OpenAI-compatible servers (vLLM, Ollama,
 * Groq, …) know `max_tokens` best, so it is the default elsewhere.
 */
const maxCompletionTokensModel = /^(?:o\d|gpt-5|codex)/;

export interface DecodedChatRequest extends DecodedRequest<ChatCompletionRequest> {
  /** The body's `stream` flag: picks StreamChatCompletion over CreateChatCompletion. */
  stream: boolean;
}

export function decodeChatRequest(json: unknown): DecodedChatRequest {
  const body = requestBody(json);
  let extraBody = unknownFields(body, knownRequestKeys);

  const toolChoice = decodeToolChoice(body.tool_choice);
  if (toolChoice.passThrough !== undefined) {
    extraBody ??= {};
    extraBody.tool_choice = toolChoice.passThrough;
  }

  const streamOptions = decodeStreamOptions(body);

  // A managed prompt may name the model and bring every message itself.
  const promptId = optionalString(body, "prompt_id", "") ?? "";
  const model = promptId
    ? (optionalString(body, "model", "") ?? "")
    : requiredNonEmptyString(body, "model", "");
  const messages = promptId && isEmptyList(body.messages) ? [] : decodeChatMessages(body.messages);
  const maxTokens = optionalInt32(body, "max_tokens", "");
  const maxCompletionTokens = optionalInt32(body, "max_completion_tokens", "");

  const request = create(ChatCompletionRequestSchema, {
    model,
    messages,
    tools: decodeTools(body.tools),
    toolChoice: toolChoice.toolChoice,
    parallelToolCalls: optionalBoolean(body, "parallel_tool_calls", ""),
    responseFormat: decodeResponseFormat(body.response_format),
    // Aliases; max_completion_tokens is the current name and wins.
    maxTokens: maxCompletionTokens ?? maxTokens,
    ...decodeSamplingFields(body),
    logprobs: optionalBoolean(body, "logprobs", ""),
    topLogprobs: optionalInt32(body, "top_logprobs", ""),
    metadata: decodeMetadata(body.metadata),
    streamOptions,
    reasoningEffort: optionalString(body, "reasoning_effort", "") ?? "",
    extraBody,
    promptId,
    promptVariables: optionalObject(body, "prompt_variables", ""),
    promptVersion: optionalInt32(body, "prompt_version", ""),
  });
  return { request, stream: optionalBoolean(body, "stream", "") ?? false, control: readCallControl(body) };
}

const knownRequestKeys: ReadonlySet<string> = new Set([
  "model",
  "messages",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "response_format",
  "temperature",
  "top_p",
  "max_tokens",
  "max_completion_tokens",
  "stop",
  "seed",
  "n",
  "presence_penalty",
  "frequency_penalty",
  "logprobs",
  "top_logprobs",
  "user",
  "metadata",
  "stream",
  "stream_options",
  "reasoning_effort",
  "prompt_id",
  "prompt_variables",
  "prompt_version",
]);

function isEmptyList(value: JsonValue | undefined): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
}

/**
 * `metadata` as LiteLLM reads it: the caller's, for logs, with any values
 * (LiteLLM clients send lists and objects there, e.g. `tags`); non-strings
 * are kept as their JSON text.
 */
function decodeMetadata(value: JsonValue | undefined): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isJsonObject(value)) throw invalidField("", "metadata", "an object");
  const metadata: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    metadata[key] = typeof item === "string" ? item : JSON.stringify(item);
  }
  return metadata;
}

export interface EncodeChatRequestOptions {
  /** The model as the upstream names it (the deployment's model, not the group name). */
  model: string;
  /** Ask for an SSE stream; usage is then always requested, for accounting. */
  stream: boolean;
  /**
   * Which name to send the token limit under. Default: `max_completion_tokens`
   * for OpenAI reasoning models (o1, o3, o4-mini, gpt-5, codex…), which
   * reject `max_tokens`, and `max_tokens` for every other model, which every
   * OpenAI-compatible server understands. Providers whose model names do not
   * show the family (Azure deployments) set it from configuration.
   */
  maxTokensField?: "max_tokens" | "max_completion_tokens";
}

/**
 * Builds the upstream body. Unset fields are left out, never sent as
 * `undefined`, `null` or `[]`. `extra_body` is merged last, so a caller's
 * provider-specific value wins over a mapped one, except for the reserved
 * keys `model`, `stream` and `stream_options`.
 */
export function encodeChatRequest(
  request: ChatCompletionRequest,
  options: EncodeChatRequestOptions,
): OpenAIChatRequest {
  const body: OpenAIChatRequest = { model: options.model, messages: encodeChatMessages(request.messages) };
  if (request.tools.length > 0) body.tools = encodeTools(request.tools);
  const toolChoice = encodeToolChoice(request.toolChoice);
  if (toolChoice !== undefined) body.tool_choice = toolChoice;
  if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
  const responseFormat = encodeResponseFormat(request.responseFormat);
  if (responseFormat !== undefined) body.response_format = responseFormat;
  if (request.maxTokens !== undefined) {
    const field =
      options.maxTokensField ??
      (maxCompletionTokensModel.test(options.model) ? "max_completion_tokens" : "max_tokens");
    body[field] = request.maxTokens;
  }
  encodeSamplingFields(request, body);
  if (request.logprobs !== undefined) body.logprobs = request.logprobs;
  if (request.topLogprobs !== undefined) body.top_logprobs = request.topLogprobs;
  // `metadata` is LiteLLM's (the caller's, for logs), as in LiteLLM: not sent upstream.
  if (request.reasoningEffort !== "") body.reasoning_effort = request.reasoningEffort;
  finishCompletionBody(body, options.stream, request.extraBody);
  return body;
}
