import { Code } from "@connectrpc/connect";
import { Agent, type Dispatcher, errors as undiciErrors } from "undici";
import { GatewayError } from "../errors/gateway-error.js";

/** A response whose status line and headers have arrived; the body is still streaming. */
export interface UpstreamResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body: AsyncIterable<Uint8Array>;
  /** Reads the whole body as text (error bodies, non-streaming answers). */
  text(): Promise<string>;
  /** Stops the first-chunk timer: call once a stream has produced output. */
  streamStarted(): void;
  /** Releases the deadline timer; call when done with the body. */
  finish(): void;
}

export interface UpstreamRequest {
  readonly url: string;
  readonly method?: "POST" | "GET";
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** The caller's signal: client gone, RPC deadline, shutdown. */
  readonly signal: AbortSignal;
  /**
   * Deadline in ms. For a non-streaming call it covers the whole body; for a
   * stream, the time until `streamStarted()` is called (time to first token).
   */
  readonly timeoutMs?: number;
}

class TimeoutReason extends Error {}

/**
 * The one HTTP client every provider uses: an undici Agent keeps a pool of
 * keep-alive connections per upstream origin, so no request pays for a new
 * TCP (or TLS) handshake. Maps transport failures to GatewayError; HTTP error
 * statuses are left to the provider, which knows its error body format.
 */
export class UpstreamClient {
  readonly #agent: Dispatcher;

  constructor(agent?: Dispatcher) {
    this.#agent =
      agent ??
      new Agent({
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 600_000,
        // Deadlines are ours (per deployment); undici's own are a backstop.
        headersTimeout: 600_000,
        bodyTimeout: 600_000,
        connect: { timeout: 10_000 },
      });
  }

  async send(request: UpstreamRequest): Promise<UpstreamResponse> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(request.signal.reason);
    if (request.signal.aborted) onAbort();
    else request.signal.addEventListener("abort", onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    if (request.timeoutMs !== undefined && request.timeoutMs > 0) {
      timer = setTimeout(() => controller.abort(new TimeoutReason()), request.timeoutMs);
    }
    const finish = () => {
      clearTimeout(timer);
      request.signal.removeEventListener("abort", onAbort);
    };
    const origin = originOf(request.url);
    try {
      const response = await this.#agent.request({
        origin,
        path: request.url.slice(origin.length),
        method: request.method ?? "POST",
        headers: request.headers,
        body: request.body,
        signal: controller.signal,
      });
      const body = response.body;
      return {
        status: response.statusCode,
        headers: { get: (name) => headerValue(response.headers[name]) },
        body: translateBodyErrors(body, controller.signal, request, origin),
        text: async () => {
          try {
            return await body.text();
          } catch (error) {
            throw transportError(error, controller.signal, request, origin);
          }
        },
        streamStarted: () => clearTimeout(timer),
        finish,
      };
    } catch (error) {
      finish();
      throw transportError(error, controller.signal, request, origin);
    }
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}

async function* translateBodyErrors(
  body: AsyncIterable<Uint8Array>,
  signal: AbortSignal,
  request: UpstreamRequest,
  origin: string,
): AsyncGenerator<Uint8Array> {
  try {
    yield* body;
  } catch (error) {
    throw transportError(error, signal, request, origin);
  }
}

function transportError(
  error: unknown,
  signal: AbortSignal,
  request: UpstreamRequest,
  origin: string,
): GatewayError {
  if (error instanceof GatewayError) return error;
  if (signal.aborted && signal.reason instanceof TimeoutReason) {
    return new GatewayError({
      code: Code.DeadlineExceeded,
      message: `upstream ${origin} did not answer within ${request.timeoutMs} ms`,
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
  const detail = error instanceof undiciErrors.UndiciError ? error.code : errnoCode(error);
  return new GatewayError({
    code: Code.Unavailable,
    message: `could not reach upstream ${origin}${detail ? ` (${detail})` : ""}`,
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
