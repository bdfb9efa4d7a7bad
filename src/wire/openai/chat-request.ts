import { create, type JsonValue } from "@bufbuild/protobuf";
import {
  type ChatCompletionRequest,
  ChatCompletionRequestSchema,
} from "../../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../../errors/gateway-error.js";
import { type CallControl, readCallControl } from "../litellm/control-fields.js";
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
  completionReservedKeys,
  finishUpstreamBody,
  invalidField,
  optionalBoolean,
  optionalInt32,
  optionalNumber,
  optionalObject,
  optionalString,
  requiredNonEmptyString,
  unknownFields,
} from "./request-fields.js";

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

const INT64_BOUND = 2 ** 63;

/**
 * Keys `extra_body` may not override upstream: `model` would let a caller
 * reach a model other than the deployment's (bypassing model access rules),
 * and the gateway owns `stream`/`stream_options` because it parses the
 * response and needs usage for accounting.
 */

/**
 * Models that reject `max_tokens` and take `max_completion_tokens` instead
 * (OpenAI's reasoning models). Other OpenAI-compatible servers (vLLM, Ollama,
 * Groq, …) know `max_tokens` best, so it is the default elsewhere.
 */
const maxCompletionTokensModel = /^(?:o\d|gpt-5|codex)/;

export interface DecodedChatRequest {
  /** LiteLLM's control fields of the body (fallbacks, num_retries, mock_response, …); never sent upstream. */
  control?: CallControl;

  request: ChatCompletionRequest;
  /** The body's `stream` flag: picks StreamChatCompletion over CreateChatCompletion. */
  stream: boolean;
}

export function decodeChatRequest(body: unknown): DecodedChatRequest {
  if (!isJsonObject(body)) {
    throw GatewayError.invalidArgument("the request body must be a JSON object");
  }
  let extraBody = unknownFields(body, knownRequestKeys);

  const toolChoice = decodeToolChoice(body.tool_choice);
  if (toolChoice.passThrough !== undefined) {
    extraBody ??= {};
    extraBody.tool_choice = toolChoice.passThrough;
  }

  const streamOptions = optionalObject(body, "stream_options", "");
  const includeUsage =
    streamOptions === undefined
      ? undefined
      : optionalBoolean(streamOptions, "include_usage", "stream_options");

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
    temperature: optionalNumber(body, "temperature", ""),
    topP: optionalNumber(body, "top_p", ""),
    // Aliases; max_completion_tokens is the current name and wins.
    maxTokens: maxCompletionTokens ?? maxTokens,
    stop: decodeStop(body.stop),
    seed: decodeSeed(body.seed),
    n: optionalInt32(body, "n", ""),
    presencePenalty: optionalNumber(body, "presence_penalty", ""),
    frequencyPenalty: optionalNumber(body, "frequency_penalty", ""),
    logprobs: optionalBoolean(body, "logprobs", ""),
    topLogprobs: optionalInt32(body, "top_logprobs", ""),
    user: optionalString(body, "user", "") ?? "",
    metadata: decodeMetadata(body.metadata),
    streamOptions: includeUsage === undefined ? undefined : { includeUsage },
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

/** `stop`: a string or an array of strings (also read by the text completion codec). */
export function decodeStop(value: JsonValue | undefined): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return [value];
  if (!Array.isArray(value)) throw invalidField("", "stop", "a string or an array of strings");
  for (let index = 0; index < value.length; index++) {
    if (typeof value[index] !== "string") {
      throw GatewayError.invalidArgument(`'stop[${index}]' must be a string`, `stop[${index}]`);
    }
  }
  // Every element was checked to be a string: the parsed array is used as is.
  return value as string[];
}

/** `seed`: an integer within int64. */
export function decodeSeed(value: JsonValue | undefined): bigint | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < -INT64_BOUND || value >= INT64_BOUND) {
    throw invalidField("", "seed", "an integer");
  }
  return BigInt(value);
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
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.maxTokens !== undefined) {
    const field =
      options.maxTokensField ??
      (maxCompletionTokensModel.test(options.model) ? "max_completion_tokens" : "max_tokens");
    body[field] = request.maxTokens;
  }
  if (request.stop.length > 0) body.stop = request.stop;
  if (request.seed !== undefined) body.seed = Number(request.seed);
  if (request.n !== undefined) body.n = request.n;
  if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty;
  if (request.logprobs !== undefined) body.logprobs = request.logprobs;
  if (request.topLogprobs !== undefined) body.top_logprobs = request.topLogprobs;
  if (request.user !== "") body.user = request.user;
  // `metadata` is LiteLLM's (the caller's, for logs), as in LiteLLM: not sent upstream.
  if (request.reasoningEffort !== "") body.reasoning_effort = request.reasoningEffort;
  finishUpstreamBody(body, {
    stream: options.stream,
    extraBody: request.extraBody,
    reserved: completionReservedKeys,
  });
  return body;
}
