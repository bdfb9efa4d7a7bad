import { GatewayError } from "../../errors/gateway-error.js";
import { isJsonObject } from "../openai/json-object.js";
import { decodeUpstreamError } from "../openai/openai-error.js";

/**
 * Bedrock runtime errors (restJson1): the exception name in the
 * `x-amzn-errortype` header ("ThrottlingException:http://…") or the body's
 * `__type`, the text in the body's `message` (or `Message`). Mid-stream, an
 * event-stream message of type `exception` carries the name in
 * `:exception-type` ("throttlingException") and the same JSON body.
 *
 * The status is the exception's, where it says more than AWS's status line:
 *
 * | exception                                                  | HTTP to our caller |
 * |------------------------------------------------------------|--------------------|
 * | UnrecognizedClient, InvalidSignature, IncompleteSignature, ExpiredToken | 401  |
 * | AccessDenied                                               | 403                |
 * | ResourceNotFound                                           | 404                |
 * | Throttling, ModelNotReady, ServiceQuotaExceeded            | 429 (retry-after kept when AWS sends one) |
 * | ModelTimeout                                               | 504                |
 * | Validation "too long" / context / too many tokens          | 400, context_length_exceeded |
 * | ServiceUnavailable, InternalServer, ModelStreamError       | 502, retryable     |
 *
 * then the gateway's one status table (openai-error.ts) applies.
 */
const statusByException: ReadonlyMap<string, number> = new Map([
  ["UnrecognizedClientException", 401],
  ["InvalidSignatureException", 401],
  ["IncompleteSignatureException", 401],
  ["ExpiredTokenException", 401],
  ["AccessDeniedException", 403],
  ["ResourceNotFoundException", 404],
  ["ThrottlingException", 429],
  ["ModelNotReadyException", 429],
  ["ServiceQuotaExceededException", 429],
  ["ModelTimeoutException", 504],
  ["ValidationException", 400],
  ["ServiceUnavailableException", 503],
  ["InternalServerException", 500],
  ["ModelStreamErrorException", 500],
]);

/** Bedrock's ways of saying the prompt does not fit the model's window. */
const contextWindowPattern = /too long|context (?:length|window)|too many (?:input )?tokens/i;

const noHeaders = { get: () => null };

/** A non-2xx Converse/InvokeModel response as a GatewayError. */
export function decodeBedrockError(
  status: number,
  bodyText: string,
  headers: { get(name: string): string | null },
): GatewayError {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    body = undefined;
  }
  const exception = exceptionName(
    headers.get("x-amzn-errortype") ?? (isJsonObject(body) ? body.__type : undefined),
  );
  return toGatewayError(exception, status, messageOf(body) ?? bodyText, headers);
}

/** An `exception` event-stream message, by its `:exception-type` and payload. */
export function decodeBedrockStreamException(exceptionType: string, payload: unknown): GatewayError {
  const exception = exceptionType.charAt(0).toUpperCase() + exceptionType.slice(1);
  return toGatewayError(exception, 500, messageOf(payload) ?? exception, noHeaders);
}

function toGatewayError(
  exception: string | undefined,
  status: number,
  message: string,
  headers: { get(name: string): string | null },
): GatewayError {
  const mappedStatus = (exception !== undefined && statusByException.get(exception)) || status;
  const text = exception === undefined ? message : `${exception}: ${message}`;
  const error = decodeUpstreamError(mappedStatus, JSON.stringify({ message: text }), headers);
  if (exception !== "ValidationException" || !contextWindowPattern.test(message)) return error;
  return new GatewayError({
    code: error.code,
    message: error.rawMessage,
    httpStatus: error.httpStatus,
    errorCode: "context_length_exceeded",
  });
}

/** "ThrottlingException:http://internal.amazon.com/…" or "com.amazon…#ThrottlingException" → "ThrottlingException". */
function exceptionName(value: unknown): string | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  const afterHash = value.slice(value.lastIndexOf("#") + 1);
  const colon = afterHash.indexOf(":");
  return colon === -1 ? afterHash : afterHash.slice(0, colon);
}

function messageOf(body: unknown): string | undefined {
  if (!isJsonObject(body)) return undefined;
  const message = body.message ?? body.Message;
  return typeof message === "string" ? message : undefined;
}
