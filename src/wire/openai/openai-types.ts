import type { JsonObject } from "@bufbuild/protobuf";

/**
 * The OpenAI Chat Completions / Embeddings / Models JSON this codec reads and
 * writes, written by hand from the API reference (openai@6.49.0 types). The
 * `openai` package is a dev dependency: tests check these shapes against it.
 */

export type OpenAIRole = "system" | "developer" | "user" | "assistant" | "tool";

export type OpenAIFinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "function_call";

export type OpenAIImageDetail = "auto" | "low" | "high";

export interface OpenAITextPart {
  type: "text";
  text: string;
}

export interface OpenAIImagePart {
  type: "image_url";
  image_url: { url: string; detail?: OpenAIImageDetail };
}

export interface OpenAIAudioPart {
  type: "input_audio";
  input_audio: { data: string; format: string };
}

export interface OpenAIFilePart {
  type: "file";
  file: { file_data?: string; file_id?: string; filename?: string };
}

export interface OpenAIRefusalPart {
  type: "refusal";
  refusal: string;
}

export type OpenAIContentPart =
  | OpenAITextPart
  | OpenAIImagePart
  | OpenAIAudioPart
  | OpenAIFilePart
  | OpenAIRefusalPart;

export interface OpenAIToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** One request message. `content` is null only for assistant messages. */
export interface OpenAIMessage {
  role: OpenAIRole;
  content: string | OpenAIContentPart[] | null;
  name?: string;
  refusal?: string;
  tool_calls?: OpenAIToolCall[];
  tool_call_id?: string;
  /** Not OpenAI's: DeepSeek/vLLM-style exposed reasoning, sent only when set. */
  reasoning_content?: string;
}

export interface OpenAIFunctionTool {
  type: "function";
  function: { name: string; description?: string; parameters?: JsonObject; strict?: boolean };
}

export type OpenAIToolChoice =
  | "none"
  | "auto"
  | "required"
  | { type: "function"; function: { name: string } };

export type OpenAIResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | {
      type: "json_schema";
      json_schema: { name: string; description?: string; schema?: JsonObject; strict?: boolean };
    };

/**
 * A chat request body as sent upstream. Provider-specific keys from
 * `extra_body` appear alongside the known ones, hence the index signature.
 */
export interface OpenAIChatRequest {
  model: string;
  messages: OpenAIMessage[];
  tools?: OpenAIFunctionTool[];
  tool_choice?: OpenAIToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: OpenAIResponseFormat;
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  stop?: string[];
  seed?: number;
  n?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  logprobs?: boolean;
  top_logprobs?: number;
  user?: string;
  metadata?: Record<string, string>;
  reasoning_effort?: string;
  stream?: boolean;
  stream_options?: { include_usage: boolean };
  [extra: string]: unknown;
}

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number };
}

export interface OpenAIResponseMessage {
  role: "assistant";
  content: string | null;
  refusal: string | null;
  tool_calls?: OpenAIToolCall[];
  /** Not OpenAI's: exposed reasoning, sent only when the provider reported some. */
  reasoning_content?: string;
}

export interface OpenAIChoice {
  index: number;
  message: OpenAIResponseMessage;
  /** OpenAI's `{content, refusal}` logprobs object, passed through as the upstream sent it. */
  logprobs: JsonObject | null;
  finish_reason: OpenAIFinishReason;
}

export interface OpenAIChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: OpenAIChoice[];
  usage?: OpenAIUsage;
  system_fingerprint?: string;
}

export interface OpenAIToolCallDelta {
  index: number;
  id?: string;
  type?: "function";
  function?: { name?: string; arguments?: string };
}

export interface OpenAIDelta {
  role?: OpenAIRole;
  content?: string | null;
  refusal?: string | null;
  tool_calls?: OpenAIToolCallDelta[];
  reasoning_content?: string;
}

export interface OpenAIChunkChoice {
  index: number;
  delta: OpenAIDelta;
  logprobs: JsonObject | null;
  finish_reason: OpenAIFinishReason | null;
}

export interface OpenAIChatChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: OpenAIChunkChoice[];
  /** Present (null or usage) only when the client asked for `stream_options.include_usage`. */
  usage?: OpenAIUsage | null;
  system_fingerprint?: string;
}

export type OpenAIEmbeddingInput = string | string[] | number[] | number[][];

export interface OpenAIEmbeddingsRequest {
  model: string;
  input: OpenAIEmbeddingInput;
  encoding_format?: "float" | "base64";
  dimensions?: number;
  user?: string;
  [extra: string]: unknown;
}

export interface OpenAIEmbedding {
  object: "embedding";
  index: number;
  /** Floats, or base64 of little-endian float32 bytes. */
  embedding: number[] | string;
}

export interface OpenAIEmbeddingsResponse {
  object: "list";
  data: OpenAIEmbedding[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

export interface OpenAIModel {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
}

export interface OpenAIModelList {
  object: "list";
  data: OpenAIModel[];
}

export interface OpenAIErrorBody {
  error: {
    message: string;
    type: string;
    param: string | null;
    code: string | null;
  };
}
