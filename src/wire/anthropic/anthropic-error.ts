import type { GatewayError } from "../../errors/gateway-error.js";
import { isJsonObject } from "../openai/json-object.js";
import { decodeUpstreamError } from "../openai/openai-error.js";
import type { AnthropicErrorBody, AnthropicErrorType } from "./anthropic-types.js";

/**
 * Errors in Anthropic's shape: `{"type":"error","error":{type,message},
 * "request_id"}`, rendered for the Anthropic shim's callers and decoded from
 * an Anthropic upstream.
 */

export interface EncodedAnthropicError {
  status: number;
  /** `request-id` always; `retry-after` (seconds, rounded up) when the error carries a hint; the error's metadata. */
  headers: Record<string, string>;
  body: AnthropicErrorBody;
}

/**
 * The HTTP status is the error's own (`httpStatus`), so what the OpenAI shim
 * answers with 4xx the Anthropic shim answers with the same 4xx, and the
 * Anthropic SDK raises the matching class. The type follows the status:
 *
 * | status            | type                  |
 * |-------------------|-----------------------|
 * | 401               | authentication_error  |
 * | 402               | billing_error         |
 * | 403               | permission_error      |
 * | 404               | not_found_error       |
 * | 408, 504          | timeout_error         |
 * | 413               | request_too_large     |
 * | 429               | rate_limit_error      |
 * | 529               | overloaded_error      |
 * | other 4xx         | invalid_request_error |
 * | other 5xx         | api_error             |
 *
 * An upstream failure stays 502 `api_error` (not 529 `overloaded_error`):
 * the gateway cannot tell an overloaded upstream from a broken one, and the
 * SDK retries both alike (it retries every 5xx).
 */
export function encodeAnthropicError(error: GatewayError, requestId: string): EncodedAnthropicError {
  const headers: Record<string, string> = { "request-id": requestId };
  // Headers the error carries (a key's x-ratelimit-*), as Connect sends them with it.
  error.metadata.forEach((value, name) => {
    headers[name] = value;
  });
  if (error.retryAfterMs !== undefined) {
    headers["retry-after"] = String(Math.ceil(error.retryAfterMs / 1000));
  }
  return {
    status: error.httpStatus,
    headers,
    body: {
      type: "error",
      error: { type: anthropicErrorType(error.httpStatus), message: error.rawMessage },
      request_id: requestId,
    },
  };
}

export function anthropicErrorType(status: number): AnthropicErrorType {
  switch (status) {
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 408:
    case 504:
      return "timeout_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 529:
      return "overloaded_error";
    default:
      return status >= 400 && status < 500 ? "invalid_request_error" : "api_error";
  }
}

/**
 * Decodes an Anthropic upstream's non-2xx response with the gateway's one
 * upstream status table (src/wire/openai/openai-error.ts): 429 is
 * ResourceExhausted with the `retry-after` hint; 500, 503 and 529
 * (overloaded) are Unavailable, HTTP 502, retryable; other 4xx pass through
 * as InvalidArgument with their status; a "prompt is too long" 400 carries
 * errorCode "context_length_exceeded". Anthropic's `error.message` is read
 * from the same place OpenAI's is.
 */
export function decodeAnthropicUpstreamError(
  status: number,
  bodyText: string,
  headers: { get(name: string): string | null },
): GatewayError {
  return decodeUpstreamError(status, bodyText, headers);
}

const noHeaders = { get: () => null };

/** The HTTP status Anthropic uses for each error type, for errors that arrive mid-stream. */
const statusByErrorType: ReadonlyMap<string, number> = new Map([
  ["invalid_request_error", 400],
  ["authentication_error", 401],
  ["billing_error", 402],
  ["permission_error", 403],
  ["not_found_error", 404],
  ["request_too_large", 413],
  ["rate_limit_error", 429],
  ["timeout_error", 504],
  ["api_error", 500],
  ["overloaded_error", 529],
]);

/**
 * Decodes the data of an `event: error` SSE event (`{"type":"error",
 * "error":{type,message}}`), which an Anthropic upstream sends when it fails
 * after the stream began. The status is the one Anthropic gives the type.
 */
export function decodeAnthropicStreamError(data: unknown): GatewayError {
  const detail = isJsonObject(data) ? data.error : undefined;
  const type = isJsonObject(detail) && typeof detail.type === "string" ? detail.type : "api_error";
  const status = statusByErrorType.get(type) ?? 500;
  return decodeUpstreamError(status, JSON.stringify(isJsonObject(data) ? data : {}), noHeaders);
}
