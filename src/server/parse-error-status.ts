import type { UniversalServerResponse } from "@connectrpc/connect/protocol";
import { delegate } from "./grpc-message.js";

/**
 * Connect-ES reports a request message it cannot decode (garbage bytes, a wrong wire type, invalid
 * UTF-8) as INTERNAL, "parse binary: …" — the caller's fault answered as the server's. This turns
 * those answers into INVALID_ARGUMENT on the wire, for gRPC (trailers), gRPC-web (the trailer
 * frame) and Connect unary (the JSON error, HTTP 400). The library has no hook before the answer.
 */
export async function withParseErrorsAsInvalidArgument(
  response: UniversalServerResponse,
): Promise<UniversalServerResponse> {
  const { body, trailer } = response;
  if (body === undefined) return response;
  // A Connect error: one small JSON body, read here so the status can still change.
  if (response.status === 500 && response.header?.get("content-type")?.startsWith("application/json")) {
    return connectUnary(response, await bytesOf(body));
  }
  if (trailer?.has("grpc-status")) return { ...response, body: afterBody(body, trailer) };
  if (response.header?.get("content-type")?.startsWith("application/grpc-web")) {
    return { ...response, body: trailerFrames(body) };
  }
  return response;
}

const PARSE_ERROR = "parse binary";
const INTERNAL = "13";
const INVALID_ARGUMENT = "3";

function isParseError(message: string | null | undefined): boolean {
  if (!message) return false;
  try {
    return decodeURIComponent(message).startsWith(PARSE_ERROR);
  } catch {
    return message.startsWith(PARSE_ERROR);
  }
}

async function bytesOf(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function connectUnary(response: UniversalServerResponse, body: Uint8Array): UniversalServerResponse {
  const unchanged = { ...response, body: once(body) };
  let error: { code?: unknown; message?: unknown };
  try {
    error = JSON.parse(Buffer.from(body).toString("utf8")) as typeof error;
  } catch {
    return unchanged;
  }
  if (error.code !== "internal" || typeof error.message !== "string" || !isParseError(error.message)) {
    return unchanged;
  }
  const text = Buffer.from(JSON.stringify({ ...error, code: "invalid_argument" }), "utf8");
  const header = new Headers(response.header);
  header.set("content-length", String(text.length));
  return { ...response, status: 400, header, body: once(new Uint8Array(text)) };
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

function afterBody(body: AsyncIterable<Uint8Array>, trailer: Headers): AsyncIterable<Uint8Array> {
  return delegate(body, (result) => {
    if (result.done) mendParseErrorStatus(trailer);
    return result;
  });
}

/** A gRPC answer's trailers, once its body has ended: a parse error's INTERNAL made INVALID_ARGUMENT. */
export function mendParseErrorStatus(trailer: Headers): void {
  if (trailer.get("grpc-status") === INTERNAL && isParseError(trailer.get("grpc-message"))) {
    trailer.set("grpc-status", INVALID_ARGUMENT);
  }
}

function trailerFrames(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  return delegate(body, (result) => {
    if (result.done || result.value.length < 5 || result.value[0] !== 0x80) return result;
    const text = Buffer.from(result.value.subarray(5)).toString("utf8");
    if (!/^grpc-status:\s*13\s*$/im.test(text) || !/^grpc-message:\s*parse(%20| )binary/im.test(text))
      return result;
    const data = Buffer.from(text.replace(/^(grpc-status:\s*)13(\s*)$/im, `$1${INVALID_ARGUMENT}$2`), "utf8");
    const frame = Buffer.alloc(5 + data.length);
    frame[0] = 0x80;
    frame.writeUInt32BE(data.length, 1);
    data.copy(frame, 5);
    return { done: false, value: frame };
  });
}
