import type { UniversalServerResponse } from "@connectrpc/connect/protocol";

/**
 * grpc-message as the gRPC spec encodes it (PROTOCOL-HTTP2.md, "Percent-Encoded"): bytes
 * outside 0x20–0x7E, and '%' itself, as %XX of their UTF-8; everything else as is.
 * Connect-ES (up to 2.3.0 at least) percent-encodes with encodeURIComponent, which also
 * encodes ':', ',', '/', '?', … — valid, but @grpc/grpc-js decodes with decodeURI and
 * leaves those escaped, so Node callers read "Authorization%3A Bearer". Every client
 * decodes the spec's encoding (grpc-js, grpc-go, grpcio, Connect's decodeURIComponent).
 */
export function encodeGrpcMessage(message: string): string {
  if (plainMessage.test(message)) return message;
  let encoded = "";
  for (const byte of Buffer.from(message, "utf8")) {
    encoded +=
      byte >= 0x20 && byte <= 0x7e && byte !== percent
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return encoded;
}

const plainMessage = /^[\x20-\x24\x26-\x7e]*$/;
const percent = 0x25;
const grpcMessage = "grpc-message";
/** The flag of a gRPC-web trailer frame that is not compressed. */
const trailerFrameFlag = 0x80;

/**
 * A Connect handler's response with grpc-message in the spec's encoding: in the HTTP/2
 * trailers (gRPC) or in the trailer frame that ends the body (gRPC-web). Connect-protocol
 * errors are JSON and stay as they are.
 */
export function withSpecGrpcMessage(response: UniversalServerResponse): UniversalServerResponse {
  const { body, trailer } = response;
  if (body === undefined || !(Symbol.asyncIterator in body)) return response;
  if (trailer?.has("grpc-status")) return { ...response, body: reencodeTrailerAfter(body, trailer) };
  if (response.header?.get("content-type")?.startsWith("application/grpc-web")) {
    return { ...response, body: reencodeTrailerFrame(body) };
  }
  return response;
}

/** The body as is; once it has ended (and the status is set), the trailer's message re-encoded. */
function reencodeTrailerAfter(body: AsyncIterable<Uint8Array>, trailer: Headers): AsyncIterable<Uint8Array> {
  return delegate(body, (result) => {
    if (result.done) respellGrpcMessage(trailer);
    return result;
  });
}

/** A gRPC answer's trailers, once its body has ended: grpc-message in the spec's encoding. */
export function respellGrpcMessage(trailer: Headers): void {
  const message = trailer.get(grpcMessage);
  if (message !== null) trailer.set(grpcMessage, respell(message));
}

/** The body with its gRPC-web trailer frame (one chunk, as Connect writes it) re-encoded. */
function reencodeTrailerFrame(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  return delegate(body, (result) =>
    !result.done && isTrailerFrame(result.value)
      ? { done: false, value: reencodeFrame(result.value) }
      : result,
  );
}

/**
 * The body's own iterator with each result passed through `step`: no extra generator per
 * chunk, and the adapter's `throw` / `return` (a failed write, the end) reach the handler's
 * iterator as they would without this layer.
 */
export function delegate(
  body: AsyncIterable<Uint8Array>,
  step: (result: IteratorResult<Uint8Array>) => IteratorResult<Uint8Array>,
): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]() {
      const inner = body[Symbol.asyncIterator]();
      return {
        next: () => inner.next().then(step),
        throw: (error?: unknown) => inner.throw?.(error) ?? Promise.reject(error),
        return: (value?: unknown) =>
          inner.return?.(value) ?? Promise.resolve({ done: true, value: undefined }),
      };
    },
  };
}

/** Connect's encodeURIComponent spelling, decoded and encoded as the spec says. */
function respell(message: string): string {
  try {
    return encodeGrpcMessage(decodeURIComponent(message));
  } catch {
    return message; // Not Connect's encoding after all; it is valid percent-encoding, so leave it.
  }
}

function isTrailerFrame(chunk: Uint8Array): boolean {
  if (chunk.length < 5 || chunk[0] !== trailerFrameFlag) return false;
  return new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength).getUint32(1) === chunk.length - 5;
}

function reencodeFrame(frame: Uint8Array): Uint8Array {
  const lines = Buffer.from(frame.subarray(5)).toString("utf8").split("\r\n");
  const text = lines
    .map((line) => {
      const colon = line.indexOf(":");
      if (colon === -1 || line.slice(0, colon).trim().toLowerCase() !== grpcMessage) return line;
      return `${grpcMessage}: ${respell(line.slice(colon + 1).trim())}`;
    })
    .join("\r\n");
  const data = Buffer.from(text, "utf8");
  const encoded = Buffer.alloc(5 + data.length);
  encoded[0] = trailerFrameFlag;
  encoded.writeUInt32BE(data.length, 1);
  data.copy(encoded, 5);
  return encoded;
}
