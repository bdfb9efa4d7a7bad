import type { Code } from "@connectrpc/connect";
import type { Usage } from "../../gen/switchyard/v1/chat_pb.js";
import type { Principal } from "../auth/authenticator.js";

/** What a call was: the service method family. */
export type CallKind =
  | "chat"
  | "text"
  | "embeddings"
  | "rerank"
  | "images"
  | "moderations"
  | "speech"
  | "transcriptions";

/**
 * One finished call, successful or not: what metrics, the access log, the
 * spend log and trace exporters are built from. Made once per call, after
 * the answer (or the stream's end); observers must not keep it longer than
 * they need and must not mutate it.
 */
export interface CallRecord {
  /** x-litellm-call-id; generated when the call failed before routing. */
  readonly callId: string;
  readonly kind: CallKind;
  readonly stream: boolean;
  /** "rest", "connect", "grpc", "grpc_web", "a2a". */
  readonly surface: string;
  /** The model the caller asked for (after a prompt filled it in). */
  readonly requestedModel: string;
  /** The model group that answered (a fallback's, if one did); unset when none did. */
  readonly modelGroup?: string;
  readonly deploymentId?: string;
  /** Provider slug ("openai"). */
  readonly provider?: string;
  /** The upstream's own model name. */
  readonly upstreamModel?: string;
  /** Wall-clock start, ms since the epoch. */
  readonly startTime: number;
  /** From arrival to the answer's end (a stream's last chunk), ms. */
  readonly latencyMs: number;
  /** Streams: from arrival to the first chunk, ms. */
  readonly timeToFirstTokenMs?: number;
  /** Gateway's own share of the latency, ms (unary calls). */
  readonly overheadMs?: number;
  /** Undefined on success. */
  readonly error?: CallError;
  readonly usage?: Usage;
  /** US dollars; unset when the model has no known price or the call failed. */
  readonly costUsd?: number;
  readonly retries: number;
  readonly fallbacks: number;
  readonly principal: Principal;
  /** The decoded request, for observers that record message contents when enabled. */
  readonly request: unknown;
  /** The answer's text (first choice); set only when an observer asked for contents. */
  readonly output?: string;
  /** Answered from the response cache (no upstream call; cost 0). */
  readonly cacheHit?: boolean;
  /** The cache key of a call answered from the cache. */
  readonly cacheKey?: string;
  /** Caller-supplied `user` and `metadata` from the request. */
  readonly user?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface CallError {
  readonly code: Code;
  /** The HTTP status the REST shims answer with. */
  readonly httpStatus: number;
  /** OpenAI error type ("invalid_request_error", …). */
  readonly type: string;
  /** The message callers saw (never holds secrets: GatewayError messages do not). */
  readonly message: string;
}

/** Something told about every finished call. Must be fast and must not throw into the request. */
export interface CallObserver {
  /** True when this observer records message contents, so streams accumulate output text. */
  readonly wantsContent?: boolean;
  record(call: CallRecord): void;
}
