import type * as http from "node:http";
import type * as http2 from "node:http2";

/** Node's HTTP/1.1 and HTTP/2-compatibility request objects, which the one port serves alike. */
export type NodeRequest = http.IncomingMessage | http2.Http2ServerRequest;
export type NodeResponse = http.ServerResponse | http2.Http2ServerResponse;
export type RequestHandler = (request: NodeRequest, response: NodeResponse) => void;

/**
 * Writes to either kind of response. TypeScript cannot call `write` on the
 * union: the two overload sets differ only in their callback types.
 */
export function writeChunk(response: NodeResponse, chunk: string | Uint8Array): boolean {
  return (response as { write(chunk: string | Uint8Array): boolean }).write(chunk);
}
