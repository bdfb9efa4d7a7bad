import { Code, ConnectError } from "@connectrpc/connect";

/**
 * OpenAI's error `type` vocabulary. Every surface renders from this: the
 * OpenAI shim uses it as is, the Anthropic shim maps it to its own types.
 */
export type ErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "rate_limit_error"
  | "timeout_error"
  | "api_error"
  | "service_unavailable_error"
  /** A virtual key's budget is spent (LiteLLM's type, with HTTP 400). */
  | "budget_exceeded"
  /** A virtual key may not call the model (LiteLLM's type, with HTTP 401). */
  | "key_model_access_denied"
  /** LiteLLM's management routes (/model/new, /model/delete…) wrap their refusals in this type. */
  | "auth_error"
  /** LiteLLM's validation_error, e.g. PATCH /model/{id}/update on a config model. */
  | "bad_request_error";

export interface GatewayErrorOptions {
  /** The Connect/gRPC code, which also picks the default HTTP status. */
  code: Code;
  /** Message for the caller. Never include secrets. */
  message: string;
  /** Error type; derived from `code` when absent. */
  type?: ErrorType;
  /** The request parameter at fault (OpenAI's `param`), e.g. "messages[0].role". */
  param?: string;
  /** Machine-readable code (OpenAI's `code`), e.g. "model_not_found". */
  errorCode?: string;
  /**
   * HTTP status for REST callers when it is not the code's default, e.g. an
   * upstream 422 passed through, or 502 for an upstream 5xx.
   */
  httpStatus?: number;
  /** Whether trying again (elsewhere or later) may succeed. Derived from `code` when absent. */
  retryable?: boolean;
  /** Upstream's retry-after hint. */
  retryAfterMs?: number;
  /** The underlying error, for logs only; never rendered to callers. */
  cause?: unknown;
}

/**
 * What each code means by default, one row a code: the HTTP status REST
 * callers see, the error type, and whether trying again (elsewhere or later)
 * may succeed.
 */
const defaultsByCode: Readonly<Record<Code, { httpStatus: number; type: ErrorType; retryable: boolean }>> = {
  [Code.Canceled]: { httpStatus: 499, type: "api_error", retryable: false },
  [Code.Unknown]: { httpStatus: 500, type: "api_error", retryable: true },
  [Code.InvalidArgument]: { httpStatus: 400, type: "invalid_request_error", retryable: false },
  [Code.DeadlineExceeded]: { httpStatus: 504, type: "timeout_error", retryable: true },
  [Code.NotFound]: { httpStatus: 404, type: "not_found_error", retryable: false },
  [Code.AlreadyExists]: { httpStatus: 409, type: "invalid_request_error", retryable: false },
  [Code.PermissionDenied]: { httpStatus: 403, type: "permission_error", retryable: false },
  [Code.ResourceExhausted]: { httpStatus: 429, type: "rate_limit_error", retryable: true },
  [Code.FailedPrecondition]: { httpStatus: 400, type: "invalid_request_error", retryable: false },
  [Code.Aborted]: { httpStatus: 409, type: "api_error", retryable: true },
  [Code.OutOfRange]: { httpStatus: 400, type: "invalid_request_error", retryable: false },
  [Code.Unimplemented]: { httpStatus: 501, type: "api_error", retryable: false },
  [Code.Internal]: { httpStatus: 500, type: "api_error", retryable: true },
  [Code.Unavailable]: { httpStatus: 503, type: "service_unavailable_error", retryable: true },
  [Code.DataLoss]: { httpStatus: 500, type: "api_error", retryable: false },
  [Code.Unauthenticated]: { httpStatus: 401, type: "authentication_error", retryable: false },
};
const outsideCodeDefaults = { httpStatus: 500, type: "api_error", retryable: false } as const;

/**
 * The gateway's one error type. It is a ConnectError, so Connect, gRPC and
 * gRPC-web callers get its code as is; REST shims render it with
 * `httpStatus`, `type`, `param` and `errorCode`.
 */
export class GatewayError extends ConnectError {
  readonly type: ErrorType;
  readonly param: string | undefined;
  readonly errorCode: string | undefined;
  readonly httpStatus: number;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(options: GatewayErrorOptions) {
    super(options.message, options.code, undefined, undefined, options.cause);
    // ConnectError recognises its own kind by this name (see its
    // Symbol.hasInstance); another name would make Connect treat our errors
    // as unknown ones and answer with code "unknown".
    this.name = "ConnectError";
    // A code outside Connect's (a cast number) is a plain, final 500.
    const defaults = defaultsByCode[options.code] ?? outsideCodeDefaults;
    this.type = options.type ?? defaults.type;
    this.param = options.param;
    this.errorCode = options.errorCode;
    this.httpStatus = options.httpStatus ?? defaults.httpStatus;
    this.retryable = options.retryable ?? defaults.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }

  // ConnectError's structural instanceof would accept any ConnectError here.
  static override [Symbol.hasInstance](value: unknown): boolean {
    return (
      typeof value === "object" &&
      value !== null &&
      Object.prototype.isPrototypeOf.call(GatewayError.prototype, value)
    );
  }

  /**
   * Normalises anything thrown into a GatewayError. Unknown errors become
   * Internal with a generic message: their text may hold internals or secrets.
   */
  static override from(reason: unknown): GatewayError {
    if (reason instanceof GatewayError) return reason;
    if (reason instanceof ConnectError) {
      return new GatewayError({ code: reason.code, message: reason.rawMessage, cause: reason });
    }
    return new GatewayError({ code: Code.Internal, message: "internal error", cause: reason });
  }

  static invalidArgument(message: string, param?: string): GatewayError {
    return new GatewayError({ code: Code.InvalidArgument, message, param });
  }
}

/**
 * `value` when the gateway has it, else UNAVAILABLE that waiting will not
 * end: the gateway runs without what the call needs (a database, a cache).
 */
export function configured<T>(value: T | undefined, message: string, errorCode: string): T {
  if (value !== undefined) return value;
  throw new GatewayError({ code: Code.Unavailable, message, errorCode, retryable: false });
}

/** A 2xx answer the gateway cannot read: the upstream's fault, and worth retrying elsewhere. */
export function invalidUpstreamResponse(
  cause?: unknown,
  message = "upstream returned an invalid response",
): GatewayError {
  return new GatewayError({
    code: Code.Unavailable,
    message,
    httpStatus: 502,
    retryable: true,
    cause,
  });
}
