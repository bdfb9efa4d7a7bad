import { create, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { FinishReason } from "../../../gen/switchyard/v1/chat_pb.js";
import {
  TextChoiceSchema,
  type TextCompletion,
  type TextCompletionRequest,
  TextCompletionRequestSchema,
  TextCompletionSchema,
} from "../../../gen/switchyard/v1/completion_pb.js";
import { GatewayError, invalidUpstreamResponse } from "../../errors/gateway-error.js";
import { type DecodedRequest, readCallControl } from "../litellm/control-fields.js";
import { decodeChoices, decodeCompletionFields, encodeCompletionFields } from "./completion-fields.js";
import { decodeFinishReason } from "./finish-reason.js";
import { isJsonObject } from "./json-object.js";
import { decodeStreamError } from "./openai-error.js";
import type { OpenAIUsage } from "./openai-types.js";
import {
  decodeStreamOptions,
  invalidField,
  optionalBoolean,
  optionalInt32,
  optionalString,
  requestBody,
  requiredNonEmptyString,
  unknownFields,
} from "./request-fields.js";
import { decodeSamplingFields, encodeSamplingFields } from "./sampling-fields.js";
import { finishCompletionBody } from "./upstream-body.js";
import { newsOnly } from "./usage.js";

/**
 * OpenAI's legacy text completions (`POST /v1/completions`) between JSON
 * and switchyard.v1.TextCompletionRequest/TextCompletion, in both
 * directions: the REST shim decodes clients' bodies and encodes answers,
 * the OpenAI provider encodes upstream bodies (vLLM, TGI,
 * gpt-3.5-turbo-instruct) and decodes answers. A stream carries the same
 * `text_completion` object as a whole answer, so one decoder reads both.
 */

/** The request body sent upstream; `extra_body` keys sit beside the known ones. */
export interface OpenAITextCompletionRequest {
  model: string;
  /** One prompt is sent as a string, which every compatible server accepts. */
  prompt: string | string[];
  suffix?: string;
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string[];
  seed?: number;
  n?: number;
  echo?: boolean;
  logprobs?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  user?: string;
  stream?: boolean;
  stream_options?: { include_usage: boolean };
  [extra: string]: unknown;
}

/** The legacy API's finish reasons: a text completion calls no tools. */
export type OpenAITextFinishReason = "stop" | "length" | "content_filter";

/** Indexed by FinishReason; a tool or function call (chat only) counts as a stop. */
const textFinishReasonNames: Record<FinishReason, OpenAITextFinishReason | undefined> = {
  [FinishReason.UNSPECIFIED]: undefined,
  [FinishReason.STOP]: "stop",
  [FinishReason.LENGTH]: "length",
  [FinishReason.TOOL_CALLS]: "stop",
  [FinishReason.CONTENT_FILTER]: "content_filter",
  [FinishReason.FUNCTION_CALL]: "stop",
};

export interface OpenAITextChoice {
  text: string;
  index: number;
  /** `{tokens, token_logprobs, top_logprobs, text_offset}`, passed through as the upstream sent it. */
  logprobs: JsonObject | null;
  /** Null on every streamed fragment but a choice's last. */
  finish_reason: OpenAITextFinishReason | null;
}

/** A whole answer, or one streamed fragment (OpenAI uses the one object for both). */
export interface OpenAITextCompletion {
  id: string;
  object: "text_completion";
  created: number;
  model: string;
  choices: OpenAITextChoice[];
  /** In a stream: present (null or usage) only when the client asked for include_usage. */
  usage?: OpenAIUsage | null;
  system_fingerprint?: string;
}

const knownRequestKeys: ReadonlySet<string> = new Set([
  "model",
  "prompt",
  "suffix",
  "max_tokens",
  "temperature",
  "top_p",
  "stop",
  "seed",
  "n",
  "echo",
  "logprobs",
  "presence_penalty",
  "frequency_penalty",
  "user",
  "stream",
  "stream_options",
]);

export interface DecodedTextCompletionRequest extends DecodedRequest<TextCompletionRequest> {
  /** The body's `stream` flag: picks StreamTextCompletion over CreateTextCompletion. */
  stream: boolean;
}

/**
 * Decodes a client's body. Strict about what it maps (wrong types are a 400
 * naming the field), and forwards every key it does not know (`best_of`,
 * `logit_bias`, vLLM's `top_k`, …) in `extra_body`, untouched.
 */
export function decodeTextCompletionRequest(json: unknown): DecodedTextCompletionRequest {
  const body = requestBody(json);
  const extraBody = unknownFields(body, knownRequestKeys);
  const streamOptions = decodeStreamOptions(body);
  const request = create(TextCompletionRequestSchema, {
    model: requiredNonEmptyString(body, "model", ""),
    prompt: decodePrompt(body.prompt),
    suffix: optionalString(body, "suffix", "") ?? "",
    maxTokens: optionalInt32(body, "max_tokens", ""),
    ...decodeSamplingFields(body),
    echo: optionalBoolean(body, "echo", "") ?? false,
    logprobs: optionalInt32(body, "logprobs", ""),
    streamOptions,
    extraBody,
  });
  return { request, stream: optionalBoolean(body, "stream", "") ?? false, control: readCallControl(body) };
}

/**
 * A string or an array of strings. Token-id prompts (an array of numbers,
 * or of arrays of numbers) are OpenAI's too, but the proto carries text
 * only, and a chat-only provider could not take them anyway: they get a 400
 * that says so rather than a garbled prompt.
 */
function decodePrompt(value: JsonValue | undefined): string[] {
  if (value === undefined || value === null)
    throw GatewayError.invalidArgument("'prompt' is required", "prompt");
  if (typeof value === "string") return [value];
  if (!Array.isArray(value)) throw invalidField("", "prompt", "a string or an array of strings");
  if (value.length === 0) throw GatewayError.invalidArgument("'prompt' must not be empty", "prompt");
  for (let index = 0; index < value.length; index++) {
    const item = value[index];
    if (typeof item === "string") continue;
    if (typeof item === "number" || Array.isArray(item)) {
      throw GatewayError.invalidArgument(
        "token-id prompts are not supported; send the prompt as text",
        "prompt",
      );
    }
    throw GatewayError.invalidArgument(`'prompt[${index}]' must be a string`, `prompt[${index}]`);
  }
  // Every element was checked to be a string: the parsed array is used as is.
  return value as string[];
}

export interface EncodeTextCompletionRequestOptions {
  /** The model as the upstream names it (the deployment's model, not the group name). */
  model: string;
  /** Ask for an SSE stream; usage is then always requested, for accounting. */
  stream: boolean;
}

/** The upstream body. Unset fields are left out; `extra_body` is merged last, as for chat. */
export function encodeTextCompletionRequest(
  request: TextCompletionRequest,
  options: EncodeTextCompletionRequestOptions,
): OpenAITextCompletionRequest {
  const prompt = request.prompt.length === 1 ? request.prompt[0]! : request.prompt;
  const body: OpenAITextCompletionRequest = { model: options.model, prompt };
  if (request.suffix !== "") body.suffix = request.suffix;
  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
  encodeSamplingFields(request, body);
  if (request.echo) body.echo = true;
  if (request.logprobs !== undefined) body.logprobs = request.logprobs;
  finishCompletionBody(body, options.stream, request.extraBody);
  return body;
}

/**
 * Reads an upstream's `text_completion` object: a whole answer or one SSE
 * `data:` chunk (the caller handles `[DONE]`). Forgiving like the chat
 * decoders; throws only for a body that is not an object, or that is an
 * error object (sent with a 2xx status or mid-stream).
 */
export function decodeTextCompletion(json: unknown): TextCompletion {
  if (!isJsonObject(json)) throw invalidUpstreamResponse();
  if (json.error !== undefined && json.error !== null && json.choices === undefined) {
    throw decodeStreamError(json.error);
  }
  const choices = decodeChoices(json.choices, (choice, index) =>
    create(TextChoiceSchema, {
      index,
      text: typeof choice.text === "string" ? choice.text : "",
      finishReason: decodeFinishReason(choice.finish_reason),
      logprobs: isJsonObject(choice.logprobs) ? choice.logprobs : undefined,
    }),
  );
  return create(TextCompletionSchema, { ...decodeCompletionFields(json), choices });
}

/** The body the OpenAI SDK expects from `POST /v1/completions` without streaming. */
export function encodeTextCompletion(completion: TextCompletion): OpenAITextCompletion {
  // A whole completion always has a reason; an unreported one is "stop".
  return encode(completion, undefined, "stop");
}

/**
 * A per-stream encoder for the REST shim: `finish_reason` null until a
 * choice's last fragment and, with include_usage, `usage: null` on every
 * chunk but the final `choices: []` one (OpenAI's own shape). Returns
 * undefined for chunks with nothing for this client: no choices, and no
 * usage the client asked for.
 */
export function createTextChunkEncoder(options: {
  includeUsage: boolean;
}): (chunk: TextCompletion) => OpenAITextCompletion | undefined {
  return newsOnly(options.includeUsage, (chunk: TextCompletion) => encode(chunk, options.includeUsage, null));
}

function encode(
  completion: TextCompletion,
  includeUsage: boolean | undefined,
  unfinished: "stop" | null,
): OpenAITextCompletion {
  const choices: OpenAITextChoice[] = new Array(completion.choices.length);
  for (let position = 0; position < completion.choices.length; position++) {
    const choice = completion.choices[position]!;
    choices[position] = {
      text: choice.text,
      index: choice.index,
      logprobs: choice.logprobs ?? null,
      finish_reason: textFinishReasonNames[choice.finishReason] ?? unfinished,
    };
  }
  return encodeCompletionFields(completion, "text_completion", choices, includeUsage);
}
