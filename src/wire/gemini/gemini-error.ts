import { GatewayError } from "../../errors/gateway-error.js";
import { isJsonObject } from "../openai/json-object.js";
import { decodeUpstreamError } from "../openai/openai-error.js";

/**
 * Decodes a Google API error response (Gemini on AI Studio and Vertex AI):
 * `{"error":{"code":429,"message":"…","status":"RESOURCE_EXHAUSTED",
 * "details":[…]}}`, through the gateway's one upstream status table
 * (src/wire/openai/openai-error.ts), with what Google says differently:
 *
 * - 429 RESOURCE_EXHAUSTED carries its retry hint in a
 *   `google.rpc.RetryInfo` detail (`"retryDelay": "13s"`) rather than a
 *   header; it becomes the error's retry-after when no header gives one.
 * - An invalid API key is a 400 with reason API_KEY_INVALID; it is an
 *   authentication failure (401) for the caller and the router.
 * - An oversized prompt is a 400 "The input token count (…) exceeds the
 *   maximum number of tokens allowed (…)"; it carries errorCode
 *   "context_length_exceeded" so the router's context_window_fallbacks apply.
 */
export function decodeGeminiUpstreamError(
  status: number,
  bodyText: string,
  headers: { get(name: string): string | null },
): GatewayError {
  const detail = errorDetail(bodyText);
  const effectiveStatus = status === 400 && detail?.reason === "API_KEY_INVALID" ? 401 : status;
  const retryDelayMs = detail?.retryDelayMs;
  const hinted =
    retryDelayMs === undefined
      ? headers
      : {
          get: (name: string) =>
            headers.get(name) ??
            (name === "retry-after-ms" && headers.get("retry-after") === null ? String(retryDelayMs) : null),
        };
  const error = decodeUpstreamError(effectiveStatus, bodyText, hinted);
  if (error.errorCode !== undefined || effectiveStatus !== 400 || !tokenLimitPattern.test(error.rawMessage)) {
    return error;
  }
  return new GatewayError({
    code: error.code,
    message: error.rawMessage,
    type: error.type,
    errorCode: "context_length_exceeded",
    httpStatus: error.httpStatus,
  });
}

const tokenLimitPattern = /exceeds the maximum number of tokens|input token count/i;
const durationPattern = /^(\d+(?:\.\d+)?)s$/;

interface GoogleErrorDetail {
  reason?: string;
  retryDelayMs?: number;
}

/** The ErrorInfo reason and RetryInfo delay of a Google error body, when present. */
function errorDetail(bodyText: string): GoogleErrorDetail | undefined {
  if (!bodyText.trimStart().startsWith("{") && !bodyText.trimStart().startsWith("[")) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    return undefined;
  }
  // Some Google front ends wrap the error in a one-element array.
  if (Array.isArray(parsed)) parsed = parsed[0];
  const error = isJsonObject(parsed) ? parsed.error : undefined;
  if (!isJsonObject(error) || !Array.isArray(error.details)) return undefined;
  const result: GoogleErrorDetail = {};
  for (const detail of error.details) {
    if (!isJsonObject(detail)) continue;
    if (typeof detail.reason === "string") result.reason = detail.reason;
    const delay = typeof detail.retryDelay === "string" ? durationPattern.exec(detail.retryDelay) : null;
    if (delay !== null) result.retryDelayMs = Math.round(Number(delay[1]) * 1000);
  }
  return result;
}
