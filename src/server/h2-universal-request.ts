import type * as http2 from "node:http2";
import { Code, ConnectError, type ContextValues } from "@connectrpc/connect";
import type { UniversalServerRequest } from "@connectrpc/connect/protocol";
import { LightSignal } from "../calls/light-signal.js";

/**
 * Connect's view of an HTTP/2 request (gRPC's, and any h2c client's), built lighter than
 * connect-node's `universalRequestFromNodeRequest`, which per call makes a Node AbortSignal
 * (an EventTarget, 4–8 µs on Node 20), a DOMException with its stack when the stream closes,
 * and an async generator (TypeScript's down-levelled one: several promises per chunk)
 * around a body that is already an async iterable. Here the signal is a LightSignal, aborted
 * as connect-node aborts its own (the stream's reset code as a ConnectError, or no reason),
 * and the body is the request stream itself. Everything else is as connect-node builds it.
 */
export function universalRequestFromH2Request(
  request: http2.Http2ServerRequest,
  contextValues: ContextValues | undefined,
): UniversalServerRequest {
  const signal = new LightSignal();
  request.once("close", () => signal.abort(errorFromResetCode(request.stream.rstCode)));
  return {
    httpVersion: request.httpVersion,
    method: request.method,
    url: new URL(
      request.url,
      `${"encrypted" in request.socket && request.socket.encrypted ? "https" : "http"}://${request.authority}`,
    ).toString(),
    header: webHeaders(request.headers),
    body: request,
    signal,
    contextValues,
  };
}

/** Node's header object as fetch Headers, pseudo-headers left out (connect-node's nodeHeaderToWebHeader). */
function webHeaders(headers: http2.IncomingHttpHeaders): Headers {
  const web = new Headers();
  for (const name in headers) {
    if (name.startsWith(":")) continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (typeof value === "string") web.append(name, value);
    else for (const each of value) web.append(name, each);
  }
  return web;
}

/** HTTP/2 reset codes as connect-node maps them (node-error.ts); NO_ERROR and STREAM_CLOSED: none. */
const resetCodes: Readonly<Record<number, readonly [name: string, code: Code]>> = {
  1: ["PROTOCOL_ERROR", Code.Internal],
  2: ["INTERNAL_ERROR", Code.Internal],
  3: ["FLOW_CONTROL_ERROR", Code.Internal],
  4: ["SETTINGS_TIMEOUT", Code.Internal],
  6: ["FRAME_SIZE_ERROR", Code.Internal],
  7: ["REFUSED_STREAM", Code.Unavailable],
  8: ["CANCEL", Code.Canceled],
  9: ["COMPRESSION_ERROR", Code.Internal],
  10: ["CONNECT_ERROR", Code.Internal],
  11: ["ENHANCE_YOUR_CALM", Code.ResourceExhausted],
  12: ["INADEQUATE_SECURITY", Code.PermissionDenied],
  13: ["HTTP_1_1_REQUIRED", Code.PermissionDenied],
};

function errorFromResetCode(rstCode: number): ConnectError | undefined {
  const known = resetCodes[rstCode];
  if (known === undefined) return undefined;
  return new ConnectError(
    `http/2 stream closed with error code ${known[0]} (0x${rstCode.toString(16)})`,
    known[1],
  );
}
