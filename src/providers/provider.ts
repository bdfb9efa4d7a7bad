import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  CreateEmbeddingsRequest,
  CreateEmbeddingsResponse,
  RerankRequest,
  RerankResponse,
  TextCompletion,
  TextCompletionRequest,
} from "../../gen/switchyard/v1/completion_pb.js";
import type { UploadedFile } from "../http/multipart-upload.js";

/** Where and how one deployment reaches its upstream, resolved once at start. */
export interface UpstreamTarget {
  /** The deployment's id, for logs and response headers. */
  readonly deploymentId: string;
  /** The model as the upstream names it, e.g. "gpt-4o" for "openai/gpt-4o". */
  readonly model: string;
  /** Base URL; each provider has its default and its own rule for a trailing /v1. */
  readonly apiBase?: string;
  readonly apiKey?: string;
  readonly apiVersion?: string;
  /** Other litellm_params of the deployment (organization, extra headers, …). */
  readonly params: Readonly<Record<string, unknown>>;
}

/** Where one upstream call goes and with which headers (auth included), as a host resolves it per call. */
export interface UpstreamRoute {
  readonly url: string;
  readonly headers: Record<string, string>;
}

export interface CallOptions {
  /** Aborts the upstream request: client gone, deadline, or shutdown. */
  readonly signal: AbortSignal;
  /** Upper bound for the whole call (non-streaming) or time to first chunk (streaming). */
  readonly timeoutMs?: number;
}

/**
 * One LLM provider. Implementations are pure translators around a pooled
 * HTTP client: they turn switchyard.v1 messages into the provider's wire
 * format and back, and throw GatewayError for every failure.
 */
export interface Provider {
  /** Slug prefix, e.g. "openai" in "openai/gpt-4o". */
  readonly name: string;
  chatCompletion(
    request: ChatCompletionRequest,
    target: UpstreamTarget,
    options: CallOptions,
  ): Promise<ChatCompletion>;
  /**
   * Streams chunks as the upstream sends them. The upstream request starts
   * on the first `next()`, and HTTP errors are thrown from it, before any
   * chunk, so callers can still answer with a plain error or fall back.
   */
  streamChatCompletion(
    request: ChatCompletionRequest,
    target: UpstreamTarget,
    options: CallOptions,
  ): AsyncIterable<ChatCompletionChunk>;
  /**
   * Legacy text completion. Absent for chat-only providers: the service then
   * sends the prompt as one user message through chatCompletion.
   */
  textCompletion?(
    request: TextCompletionRequest,
    target: UpstreamTarget,
    options: CallOptions,
  ): Promise<TextCompletion>;
  /**
   * True when textCompletion makes one upstream call per prompt (the
   * upstream takes one input at a time), so that a request's prompts count
   * as that many requests against rate limits. Absent textCompletion, the
   * prompts go through chat one call each, flag or not.
   */
  readonly textCompletionPerPrompt?: boolean;
  /** Streaming legacy text completion; same contract as streamChatCompletion. */
  streamTextCompletion?(
    request: TextCompletionRequest,
    target: UpstreamTarget,
    options: CallOptions,
  ): AsyncIterable<TextCompletion>;
  /** Absent when the provider has no embeddings API. */
  embeddings?(
    request: CreateEmbeddingsRequest,
    target: UpstreamTarget,
    options: CallOptions,
  ): Promise<CreateEmbeddingsResponse>;
  /**
   * OpenAI's JSON-in, JSON-out endpoints the gateway relays as they are
   * (images, moderations): the body goes upstream with the deployment's
   * model, the upstream's JSON comes back. Absent when the provider has none.
   */
  relayJson?(
    endpoint: RelayedEndpoint,
    body: Record<string, unknown>,
    target: UpstreamTarget,
    options: CallOptions,
  ): Promise<Record<string, unknown>>;
  /**
   * OpenAI's `/audio/speech`: the JSON body upstream with the deployment's
   * model; the audio comes back as it arrives, with its content type.
   * Absent when the provider has none.
   */
  speech?(body: Record<string, unknown>, target: UpstreamTarget, options: CallOptions): Promise<AudioAnswer>;
  /**
   * OpenAI's `/audio/transcriptions` and `/audio/translations`: the upload's
   * fields (with the deployment's model) and file, streamed upstream as
   * multipart/form-data; the answer as the upstream wrote it (JSON, text,
   * SRT or VTT). Absent when the provider has none.
   */
  transcribe?(
    endpoint: AudioEndpoint,
    upload: AudioUpload,
    target: UpstreamTarget,
    options: CallOptions,
  ): Promise<TranscriptionAnswer>;
  /** Absent when the provider has no rerank API. */
  rerank?(request: RerankRequest, target: UpstreamTarget, options: CallOptions): Promise<RerankResponse>;
}

/** The OpenAI endpoints that take an audio upload. */
export type AudioEndpoint = "/audio/transcriptions" | "/audio/translations";

/** An audio upload: the form's text fields as sent, and the file. */
export interface AudioUpload {
  readonly fields: Readonly<Record<string, string>>;
  readonly file: UploadedFile;
}

/** A transcription as the upstream answered it. */
export interface TranscriptionAnswer {
  readonly contentType: string;
  readonly text: string;
}

/** The OpenAI endpoints relayed as JSON, without a proto message of their own. */
export type RelayedEndpoint = "/images/generations" | "/moderations";

/** Binary audio as the upstream sends it. */
export interface AudioAnswer {
  readonly contentType: string;
  readonly bytes: AsyncGenerator<Uint8Array>;
}
