/**
 * Failure behaviours of the fake OpenAI upstream, chosen by the request's
 * `model` so one fake serves every test (as tensorzero's mock provider does).
 * Any model name not listed here answers normally.
 *
 * | model               | behaviour                                                                  |
 * |---------------------|----------------------------------------------------------------------------|
 * | `error-500`         | 500 `server_error`                                                         |
 * | `error-503`         | 503 `server_error` (overloaded)                                            |
 * | `error-429[-<ms>]`  | 429 `rate_limit_error`, `retry-after-ms: <ms>` (default 20) and `retry-after: ceil(ms/1000)` s |
 * | `error-400`         | 400 `invalid_request_error`, `param: "temperature"`, `code: "invalid_value"` |
 * | `error-context`     | 400 `invalid_request_error`, `param: "messages"`, `code: "context_length_exceeded"` |
 * | `slow-<ms>`         | answers after `<ms>`; stops waiting if the client goes away               |
 * | `slow-stream-<ms>`  | first chunk at once, then `<ms>` between chunks (non-stream: waits once)  |
 * | `hang`              | never answers; the request ends only when the client closes it           |
 * | `reset`             | destroys the socket without answering                                     |
 * | `reset-mid-stream`  | 200, two chunks (non-stream: half the JSON body), then destroys the socket |
 * | `malformed-sse`     | 200 `text/event-stream` with `data: {not json`, then ends                 |
 * | `error-mid-stream`  | three chunks, then `data: {"error":{"message":"boom","type":"server_error"}}` (non-stream: 500) |
 * | `html-200`          | 200 `text/html` with an error page, stream or not (a proxy's or CDN's answer) |
 * | `empty-200`         | 200 with the right content type and an empty body                          |
 * | `no-terminal`       | stream: two chunks (no finish reason), then the body ends without `[DONE]` (non-stream: normal) |
 * | `drip-<ms>`         | 200, then one byte of the answer every `<ms>`, never finishing             |
 */
export type FaultMode =
  | { readonly kind: "none" }
  | { readonly kind: "error"; readonly error: UpstreamError }
  | { readonly kind: "slow"; readonly delayMs: number }
  | { readonly kind: "slow-stream"; readonly delayMs: number }
  | { readonly kind: "hang" }
  | { readonly kind: "reset" }
  | { readonly kind: "reset-mid-stream" }
  | { readonly kind: "malformed-sse" }
  | { readonly kind: "error-mid-stream" }
  | { readonly kind: "html-200" }
  | { readonly kind: "empty-200" }
  | { readonly kind: "no-terminal" }
  | { readonly kind: "drip"; readonly intervalMs: number };

/** An HTTP error answer in OpenAI's shape. */
export interface UpstreamError {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly error: { message: string; type: string; param: string | null; code: string | null };
}

const none: FaultMode = { kind: "none" };

const fixedErrors: Readonly<Record<string, UpstreamError>> = {
  "error-500": {
    status: 500,
    error: {
      message: "The server had an error while processing your request. Sorry about that!",
      type: "server_error",
      param: null,
      code: null,
    },
  },
  "error-503": {
    status: 503,
    error: {
      message: "The engine is currently overloaded, please try again later.",
      type: "server_error",
      param: null,
      code: null,
    },
  },
  "error-400": {
    status: 400,
    error: {
      message: "Invalid value for 'temperature': must be between 0 and 2.",
      type: "invalid_request_error",
      param: "temperature",
      code: "invalid_value",
    },
  },
  "error-context": {
    status: 400,
    error: {
      message:
        "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens. " +
        "Please reduce the length of the messages.",
      type: "invalid_request_error",
      param: "messages",
      code: "context_length_exceeded",
    },
  },
};

const rateLimitPattern = /^error-429(?:-(\d+))?$/;
const slowStreamPattern = /^slow-stream-(\d+)$/;
const slowPattern = /^slow-(\d+)$/;
const dripPattern = /^drip-(\d+)$/;

function rateLimitError(retryAfterMs: number): UpstreamError {
  return {
    status: 429,
    headers: {
      "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
      "retry-after-ms": String(retryAfterMs),
      "x-ratelimit-remaining-requests": "0",
    },
    error: {
      message: "Rate limit reached for requests. Please try again later.",
      type: "rate_limit_error",
      param: null,
      code: "rate_limit_exceeded",
    },
  };
}

export function faultModeOf(model: string): FaultMode {
  const fixed = fixedErrors[model];
  if (fixed) return { kind: "error", error: fixed };
  switch (model) {
    case "hang":
    case "reset":
    case "reset-mid-stream":
    case "malformed-sse":
    case "error-mid-stream":
    case "html-200":
    case "empty-200":
    case "no-terminal":
      return { kind: model };
  }
  const rateLimit = rateLimitPattern.exec(model);
  if (rateLimit) return { kind: "error", error: rateLimitError(Number(rateLimit[1] ?? 20)) };
  const slowStream = slowStreamPattern.exec(model);
  if (slowStream) return { kind: "slow-stream", delayMs: Number(slowStream[1]) };
  const drip = dripPattern.exec(model);
  if (drip) return { kind: "drip", intervalMs: Number(drip[1]) };
  const slow = slowPattern.exec(model);
  if (slow) return { kind: "slow", delayMs: Number(slow[1]) };
  return none;
}
