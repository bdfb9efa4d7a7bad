import { Code } from "@connectrpc/connect";
import { Agent, type Dispatcher } from "undici";
import { GatewayError, invalidUpstreamResponse } from "../errors/gateway-error.js";
import { readSseEvents, type SseEvent } from "./sse.js";

/** A response whose status line and headers have arrived; the body is still streaming. */
export interface UpstreamResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  /** The body as server-sent events, read as they arrive. */
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
  readonly body?: string;
  /** The caller's signal: client gone, RPC deadline, shutdown. */
  readonly signal: AbortSignal;
  /**
   * How long the upstream may take to start answering, and then how long it
   * may stay silent between two chunks of the body, in ms. Like LiteLLM's
   * timeouts (httpx read timeouts), this is not a cap on a whole stream.
   */
  readonly timeoutMs?: number;
}

const timeoutCodes = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/**
 * The one HTTP client every provider uses: an undici Agent keeps a pool of
 * keep-alive connections per upstream origin, so no request pays for a new
 * TCP (or TLS) handshake. Maps transport failures to GatewayError; HTTP error
 * statuses are left to the provider, which knows its error body format.
 *
 * Deadlines use undici's own per-request timers and the caller's signal is
 * handed to undici as it is: no controller, listener or timer of our own on
 * the hot path.
 */
export class UpstreamClient {
  readonly #agent: Dispatcher;

  constructor(agent?: Dispatcher) {
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
    try {
      const response = await this.#agent.request({
        origin,
        path: request.url.slice(origin.length),
        method: request.method ?? "POST",
        headers: request.headers,
        body: request.body,
        signal: request.signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const body = response.body;
      return {
        status: response.statusCode,
        headers: { get: (name) => headerValue(response.headers[name]) },
        events: () => readSseEvents(body, (error) => transportError(error, request, origin, timeoutMs)),
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
}

/** Used when a deployment sets no timeout. */
const DEFAULT_TIMEOUT_MS = 600_000;

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
