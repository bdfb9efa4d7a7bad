import type { GatewayError } from "../../errors/gateway-error.js";
import { isJsonObject } from "../openai/json-object.js";
import { decodeUpstreamError } from "../openai/openai-error.js";

/**
 * Hugging Face's native errors, decoded through the one upstream status
 * table (src/wire/openai/openai-error.ts). Its bodies carry `error` as a
 * string (`{"error":"Model is loading","estimated_time":20}`), as a list of
 * strings, or as `{message}`; a loading model's `estimated_time` (seconds)
 * becomes the retry hint when no `retry-after` header gives one.
 */
export function decodeHuggingFaceError(
  status: number,
  bodyText: string,
  headers: { get(name: string): string | null },
): GatewayError {
  const trimmed = bodyText.trim();
  if (!trimmed.startsWith("{")) return decodeUpstreamError(status, bodyText, headers);
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return decodeUpstreamError(status, bodyText, headers);
  }
  if (!isJsonObject(parsed)) return decodeUpstreamError(status, bodyText, headers);
  let text = bodyText;
  if (Array.isArray(parsed.error)) {
    text = JSON.stringify({ error: parsed.error.filter((entry) => typeof entry === "string").join("; ") });
  }
  const estimatedTime = parsed.estimated_time;
  if (typeof estimatedTime !== "number" || !(estimatedTime >= 0) || headers.get("retry-after") !== null) {
    return decodeUpstreamError(status, text, headers);
  }
  const hinted = {
    get: (name: string) => (name === "retry-after" ? String(estimatedTime) : headers.get(name)),
  };
  return decodeUpstreamError(status, text, hinted);
}

const noHeaders = { get: () => null };

/** TGI's `error_type` of a failed stream, as the HTTP status the same failure would have had. */
const streamErrorStatus: ReadonlyMap<string, number> = new Map([
  ["validation", 422],
  ["overloaded", 429],
]);

/**
 * A stream event that reports a failure (`data: {"error":"…","error_type":"generation"}`).
 * Validation errors count as 422, overload as 429, anything else as 500.
 */
export function decodeHuggingFaceStreamError(event: { readonly [key: string]: unknown }): GatewayError {
  const errorType = typeof event.error_type === "string" ? event.error_type : "";
  const status = streamErrorStatus.get(errorType) ?? 500;
  return decodeHuggingFaceError(status, JSON.stringify({ error: event.error }), noHeaders);
}
