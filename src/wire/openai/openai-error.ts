import { Code } from "@connectrpc/connect";
import { type ErrorType, GatewayError } from "../../errors/gateway-error.js";
import { isJsonObject } from "./json-object.js";
import type { OpenAIErrorBody } from "./openai-types.js";

/**
 * Errors in OpenAI's JSON shape: rendering a GatewayError for REST callers,
 * and turning an OpenAI-compatible upstream's error response into one.
 */

export interface EncodedOpenAIError {
  status: number;
  /**
   * `retry-after` (seconds, rounded up) and `retry-after-ms` when the error
   * carries a hint, and the error's own metadata (x-ratelimit-*).
   */
  headers: Record<string, string>;
  body: OpenAIErrorBody;
}

/** `{"error":{message,type,param,code}}` with the error's HTTP status, as the OpenAI SDK reads it. */
export function encodeOpenAIError(error: GatewayError): EncodedOpenAIError {
  const headers: Record<string, string> = {};
  // Headers the error carries (a key's x-ratelimit-*), as Connect sends them with it.
  error.metadata.forEach((value, name) => {
    headers[name] = value;
  });
  if (error.retryAfterMs !== undefined) {
    headers["retry-after"] = String(Math.ceil(error.retryAfterMs / 1000));
    headers["retry-after-ms"] = String(Math.round(error.retryAfterMs));
  }
  return {
    status: error.httpStatus,
    headers,
    body: {
      error: {
        message: error.rawMessage,
        type: error.type,
        param: error.param ?? null,
        code: error.errorCode ?? null,
      },
    },
  };
}

/** What an upstream HTTP status becomes; see `upstreamStatusRule`. */
export interface UpstreamStatusRule {
  readonly code: Code;
  /** HTTP status shown to REST callers. */
  readonly httpStatus: number;
}

/**
 * The one table from an upstream's HTTP status to the gateway's error:
 *
 * | upstream status            | code              | HTTP to our caller |
 * |----------------------------|-------------------|--------------------|
 * | 400, 413, 422, other 4xx   | InvalidArgument   | the same status    |
 * | 401                        | Unauthenticated   | 401                |
 * | 403                        | PermissionDenied  | 403                |
 * | 404                        | NotFound          | 404                |
 * | 408                        | DeadlineExceeded  | 504                |
 * | 409                        | Aborted           | 409                |
 * | 429                        | ResourceExhausted | 429                |
 * | 504                        | DeadlineExceeded  | 504                |
 * | 500, 502, 503, 529, 5xx    | Unavailable       | 502                |
 * | anything else              | Unavailable       | 502                |
 *
 * Retryability follows the code (GatewayError's default): 408, 409, 429 and
 * 5xx are worth another try, the same set the OpenAI SDK retries.
 */
export function upstreamStatusRule(status: number): UpstreamStatusRule {
  const rule = ruleByStatus.get(status);
  if (rule !== undefined) return rule;
  if (status >= 400 && status < 500) return { code: Code.InvalidArgument, httpStatus: status };
  return { code: Code.Unavailable, httpStatus: 502 };
}

const ruleByStatus: ReadonlyMap<number, UpstreamStatusRule> = new Map([
  [401, { code: Code.Unauthenticated, httpStatus: 401 }],
  [403, { code: Code.PermissionDenied, httpStatus: 403 }],
  [404, { code: Code.NotFound, httpStatus: 404 }],
  [408, { code: Code.DeadlineExceeded, httpStatus: 504 }],
  [409, { code: Code.Aborted, httpStatus: 409 }],
  [429, { code: Code.ResourceExhausted, httpStatus: 429 }],
  [504, { code: Code.DeadlineExceeded, httpStatus: 504 }],
]);

/** Longest upstream message passed on; longer ones are cut. */
const MAX_MESSAGE_LENGTH = 2000;

const knownErrorTypes: ReadonlySet<string> = new Set<ErrorType>([
  "invalid_request_error",
  "authentication_error",
  "permission_error",
  "not_found_error",
  "rate_limit_error",
  "timeout_error",
  "api_error",
  "service_unavailable_error",
]);

/**
 * Key-like tokens an upstream might echo back (OpenAI masks keys in its
 * 401 message, other servers may not). Replaced before a message leaves.
 */
const secretPattern =
  /\b(?:sk|pk|rk|key|api[-_]?key)[-_][A-Za-z0-9._*-]{8,}|\bbearer\s+[A-Za-z0-9._~+/=-]{8,}/gi;

/** Messages of servers that report a context-window overflow without OpenAI's code. */
const contextWindowPattern =
  /context[ _-]?(?:length|window)|maximum context|prompt is too long|too many tokens|reduce the length/i;

const CONTEXT_LENGTH_EXCEEDED = "context_length_exceeded";

/**
 * Decodes an upstream's non-2xx response. The message is the upstream's
 * `error.message` (or an `error` string, or `message`, or `detail`), cut to
 * 2,000 characters with key-like tokens redacted, else "upstream returned
 * HTTP <status>"; HTML error pages are never passed on. The upstream's
 * `type` (when it is one of ours), `code` and `param` are kept. A
 * context-window overflow always carries errorCode "context_length_exceeded",
 * so the router can fall back to a model with a larger window.
 */
export function decodeUpstreamError(
  status: number,
  bodyText: string,
  headers: { get(name: string): string | null },
): GatewayError {
  let parsed: unknown;
  const trimmed = bodyText.trim();
  if (trimmed.startsWith("{")) {
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      parsed = undefined;
    }
  }
  let text: string | undefined;
  if (parsed === undefined && trimmed !== "" && !trimmed.startsWith("<")) text = trimmed;
  return errorFromBody(status, parsed, text, retryAfterMs(headers));
}

/**
 * Decodes the `error` member of a stream chunk (OpenAI-compatible servers
 * that fail mid-stream send `data: {"error":{…}}`). Its status comes from a
 * numeric `code`/`status` when the server gives one, else it counts as a 500.
 */
export function decodeStreamError(error: unknown): GatewayError {
  let status = 500;
  if (isJsonObject(error)) {
    const candidate = typeof error.code === "number" ? error.code : error.status;
    if (typeof candidate === "number" && candidate >= 400 && candidate < 600) status = candidate;
  }
  return errorFromBody(status, { error }, undefined, undefined);
}

function errorFromBody(
  status: number,
  parsed: unknown,
  text: string | undefined,
  retryAfter: number | undefined,
): GatewayError {
  let message: string | undefined = text;
  let type: ErrorType | undefined;
  let errorCode: string | undefined;
  let param: string | undefined;
  if (isJsonObject(parsed)) {
    const error = parsed.error;
    if (isJsonObject(error)) {
      if (typeof error.message === "string") message = error.message;
      if (typeof error.type === "string" && knownErrorTypes.has(error.type)) type = error.type as ErrorType;
      if (typeof error.code === "string" && error.code !== "") errorCode = error.code;
      if (typeof error.param === "string" && error.param !== "") param = error.param;
    } else if (typeof error === "string") {
      message = error;
    }
    if (message === undefined && typeof parsed.message === "string") message = parsed.message;
    if (message === undefined && typeof parsed.detail === "string") message = parsed.detail;
  }
  message =
    message === undefined || message === ""
      ? `upstream returned HTTP ${status}`
      : redact(message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH)}…` : message);

  const rule = upstreamStatusRule(status);
  if (errorCode === undefined && rule.code === Code.InvalidArgument && contextWindowPattern.test(message)) {
    errorCode = CONTEXT_LENGTH_EXCEEDED;
  }
  return new GatewayError({
    code: rule.code,
    message,
    type,
    param,
    errorCode,
    httpStatus: rule.httpStatus,
    retryAfterMs: retryAfter,
  });
}

function redact(message: string): string {
  return message.replace(secretPattern, "[redacted]");
}

/**
 * The upstream's retry hint, as the OpenAI SDK reads it: `retry-after-ms`,
 * then `retry-after` in seconds or as an HTTP date.
 */
function retryAfterMs(headers: { get(name: string): string | null }): number | undefined {
  const milliseconds = headers.get("retry-after-ms");
  if (milliseconds !== null) {
    const value = Number(milliseconds);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const retryAfter = headers.get("retry-after");
  if (retryAfter === null || retryAfter.trim() === "") return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(retryAfter);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - Date.now());
}
