import { Readable } from "node:stream";
import { Code } from "@connectrpc/connect";
import type { Dispatcher } from "undici";
import { GatewayError, invalidUpstreamResponse } from "../errors/gateway-error.js";
import { readSseEvents, type SseEvent } from "./sse.js";
import { Agent, request as requestOf } from "./undici-parts.js";

/** A response whose status line and headers have arrived; the body is still streaming. */
export interface UpstreamResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  /**
   * The body as server-sent events, read as they arrive. A body that is not
   * an event stream (an HTML error page, JSON, nothing) is the upstream's
   * fault: the first `next()` throws a retryable 502.
   */
  events(): AsyncGenerator<SseEvent>;
  /** The raw body as it arrives, for binary stream framings (AWS event stream). */
  bytes(): AsyncGenerator<Uint8Array>;
  /** Reads the whole body as text (error bodies, non-streaming answers). */
  text(): Promise<string>;
  /** Reads and parses a JSON body; unreadable JSON is the upstream's fault (502). */
  json(): Promise<unknown>;
}

export interface UpstreamRequest {
  readonly url: string;
  readonly method?: "POST" | "GET";
  readonly headers: Record<string, string>;
  /** JSON text, or a stream (an upload) whose content-length the caller sets in `headers`. */
  readonly body?: string | AsyncIterable<Uint8Array>;
  /** The caller's signal: client gone, RPC deadline, shutdown. */
  readonly signal: AbortSignal;
  /**
   * undici's own limits, a backstop: how long the upstream may take to
   * start answering, and then stay silent between two bytes, in ms. The
   * precise deadlines are the router's, through `signal`.
   */
  readonly timeoutMs?: number;
  /**
   * The answer is wanted whole (a JSON answer, not a stream): it is read
   * into memory as it arrives, without a stream object in between (a fifth
   * of a small call's client cost), and refused past `maxBodyBytes`.
   */
  readonly whole?: boolean;
}

const timeoutCodes = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/**
 * The one HTTP client every provider uses: an undici Agent keeps a pool of
 * keep-alive connections per upstream origin, so no request pays for a new
 * TCP (or TLS) handshake. Maps transport failures to GatewayError; HTTP error
 * statuses are left to the provider, which knows its error body format.
 *
 * The caller's signal is handed to undici as it is; the router's attempt
 * deadline aborts it with the DeadlineExceeded error the caller sees.
 * undici's coarse timers stay on as a backstop.
 */
export class UpstreamClient {
  readonly #agent: Dispatcher;
  /** The largest answer read whole; default 64 MiB. */
  readonly maxBodyBytes: number;

  constructor(agent?: Dispatcher, options: { maxBodyBytes?: number } = {}) {
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.#agent =
      agent ??
      new Agent({
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 600_000,
        connect: { timeout: 10_000 },
      });
  }

  async send(request: UpstreamRequest): Promise<UpstreamResponse> {
    const origin = originOf(request.url);
    const timeoutMs = request.timeoutMs && request.timeoutMs > 0 ? request.timeoutMs : DEFAULT_TIMEOUT_MS;
    if (request.whole) return this.#sendWhole(request, origin, timeoutMs);
    try {
      const response = await requestOf(this.#agent, {
        origin,
        path: request.url.slice(origin.length),
        method: request.method ?? "POST",
        headers: request.headers,
        body: bodyOf(request),
        signal: request.signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const body = response.body;
      return {
        status: response.statusCode,
        headers: { get: (name) => headerValue(response.headers[name]) },
        events: () => {
          const contentType = headerValue(response.headers["content-type"]);
          // A missing content type is let through: the body still has to hold the protocol's events.
          if (contentType !== null && !isEventStream(contentType)) return notAnEventStream(body, contentType);
          return readSseEvents(body, (error) => transportError(error, request, origin, timeoutMs));
        },
        bytes: async function* () {
          try {
            yield* body;
          } catch (error) {
            throw transportError(error, request, origin, timeoutMs);
          }
        },
        text: async () => {
          try {
            return await body.text();
          } catch (error) {
            throw transportError(error, request, origin, timeoutMs);
          }
        },
        json: async () => {
          let text: string;
          try {
            text = await body.text();
          } catch (error) {
            throw transportError(error, request, origin, timeoutMs);
          }
          try {
            return JSON.parse(text);
          } catch (error) {
            throw invalidUpstreamResponse(error);
          }
        },
      };
    } catch (error) {
      throw transportError(error, request, origin, timeoutMs);
    }
  }

  close(): Promise<void> {
    return this.#agent.close();
  }

  /** One request whose answer is gathered by a dispatch handler: no body stream, no consumer. */
  #sendWhole(request: UpstreamRequest, origin: string, timeoutMs: number): Promise<UpstreamResponse> {
    const { signal } = request;
    const limit = this.maxBodyBytes;
    return new Promise((resolve, reject) => {
      let status = 0;
      let headers: Record<string, string | string[] | undefined> = {};
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      let abort: ((reason: unknown) => void) | undefined;
      const onAbort = () => abort?.(signal.reason);
      const settle = (error: unknown, body?: Buffer) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener("abort", onAbort);
        if (error !== undefined) reject(transportError(error, request, origin, timeoutMs));
        else resolve(wholeResponse(status, headers, body!));
      };
      if (signal.aborted) {
        settle(signal.reason ?? new Error("aborted"));
        return;
      }
      signal.addEventListener("abort", onAbort, { once: true });
      this.#agent.dispatch(
        {
          origin,
          path: request.url.slice(origin.length),
          method: request.method ?? "POST",
          headers: request.headers,
          body: bodyOf(request),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        },
        {
          onRequestStart(controller) {
            abort = (reason) =>
              controller.abort(reason instanceof Error ? reason : new Error(String(reason)));
            if (signal.aborted) onAbort();
          },
          onResponseStart(_controller, statusCode, responseHeaders) {
            status = statusCode;
            headers = responseHeaders;
          },
          onResponseData(controller, chunk) {
            size += chunk.length;
            if (size > limit) {
              const error = answerTooLarge(origin, limit);
              settle(error);
              controller.abort(error);
              return;
            }
            chunks.push(chunk);
          },
          onResponseEnd() {
            settle(undefined, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
          },
          onResponseError(_controller, error) {
            settle(error);
          },
        },
      );
    });
  }
}

/** undici takes a stream body as a Readable. */
function bodyOf(request: UpstreamRequest): string | Readable | undefined {
  const body = request.body;
  return body === undefined || typeof body === "string" ? body : Readable.from(body, { objectMode: false });
}

/** Used when a deployment sets no timeout. */
const DEFAULT_TIMEOUT_MS = 600_000;

/** Far above any JSON answer (embeddings of a large batch, images as base64), far below trouble. */
const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

function answerTooLarge(origin: string, limit: number): GatewayError {
  return new GatewayError({
    code: Code.Unavailable,
    message: `upstream ${origin} answered with more than ${limit} bytes`,
    httpStatus: 502,
    errorCode: "upstream_answer_too_large",
  });
}

/** A response read whole, behind the same interface as a streamed one. */
function wholeResponse(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
): UpstreamResponse {
  const bodyChunks = async function* () {
    yield body;
  };
  return {
    status,
    headers: { get: (name) => headerValue(headers[name]) },
    events: () => readSseEvents(bodyChunks()),
    bytes: bodyChunks,
    text: async () => body.toString("utf8"),
    json: async () => {
      try {
        return JSON.parse(body.toString("utf8"));
      } catch (error) {
        throw invalidUpstreamResponse(error);
      }
    },
  };
}

function transportError(
  error: unknown,
  request: UpstreamRequest,
  origin: string,
  timeoutMs: number,
): GatewayError {
  if (error instanceof GatewayError) return error;
  const code = errnoCode(error);
  if (code !== undefined && timeoutCodes.has(code)) {
    return new GatewayError({
      code: Code.DeadlineExceeded,
      message: `upstream ${origin} did not answer within ${timeoutMs} ms`,
      errorCode: "timeout",
      retryable: true,
      cause: error,
    });
  }
  if (request.signal.aborted) {
    // The router's deadline (or the gateway's shutdown) aborted with the error to report.
    if (request.signal.reason instanceof GatewayError) return request.signal.reason;
    return new GatewayError({
      code: Code.Canceled,
      message: "request cancelled by the client",
      cause: error,
    });
  }
  return new GatewayError({
    code: Code.Unavailable,
    message: `could not reach upstream ${origin}${code ? ` (${code})` : ""}`,
    httpStatus: 502,
    errorCode: "upstream_connection_error",
    retryable: true,
    cause: error,
  });
}

/** An event stream's media type. */
function isEventStream(contentType: string): boolean {
  return contentType.trimStart().toLowerCase().startsWith("text/event-stream");
}

/** A streaming request answered with something else: the body is drained (the connection stays pooled), then 502. */
async function* notAnEventStream(
  body: { dump(): Promise<void> },
  contentType: string,
): AsyncGenerator<SseEvent> {
  await body.dump().catch(() => undefined);
  throw invalidUpstreamResponse(
    undefined,
    `upstream answered a streaming request with ${contentType.split(";")[0]!.slice(0, 64)}, not an event stream`,
  );
}

function errnoCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

function originOf(url: string): string {
  // Faster than new URL() on the hot path, and exact for the absolute URLs we build.
  const schemeEnd = url.indexOf("://");
  const pathStart = url.indexOf("/", schemeEnd + 3);
  return pathStart === -1 ? url : url.slice(0, pathStart);
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}
