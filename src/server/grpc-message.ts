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
async function* reencodeTrailerAfter(body: AsyncIterable<Uint8Array>, trailer: Headers) {
  yield* body;
  const message = trailer.get(grpcMessage);
  if (message !== null) trailer.set(grpcMessage, encodeGrpcMessage(decodeURIComponent(message)));
}

/** The body with its gRPC-web trailer frame (one chunk, as Connect writes it) re-encoded. */
async function* reencodeTrailerFrame(body: AsyncIterable<Uint8Array>) {
  for await (const chunk of body) yield isTrailerFrame(chunk) ? reencodeFrame(chunk) : chunk;
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
      return `${grpcMessage}: ${encodeGrpcMessage(decodeURIComponent(line.slice(colon + 1).trim()))}`;
    })
    .join("\r\n");
  const data = Buffer.from(text, "utf8");
  const encoded = Buffer.alloc(5 + data.length);
  encoded[0] = trailerFrameFlag;
  encoded.writeUInt32BE(data.length, 1);
  data.copy(encoded, 5);
  return encoded;
}
