import type { DescMethod } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import type { NodeResponse } from "../node-http.js";
import { PlainHeaders } from "../plain-headers.js";
import { createDoorCall } from "./call-context.js";
import type { Exchange } from "./exchange.js";

/** Sends a whole JSON response, with the service's response headers: one `writeHead`. */
export function sendJson(response: NodeResponse, status: number, body: unknown, headers?: Headers): void {
  const text = JSON.stringify(body);
  const head = { "content-type": "application/json", "content-length": Buffer.byteLength(text) };
  response.writeHead(status, headers ? headerObject(headers, head) : head);
  response.end(text);
}

/** The service's response headers as one object for `writeHead`, with `extra` last. */
export function headerObject(
  headers: Headers,
  extra?: Record<string, string | number>,
): Record<string, string | number> {
  if (headers instanceof PlainHeaders) return headers.toObject(extra);
  const object: Record<string, string | number> = Object.fromEntries(headers);
  return extra ? Object.assign(object, extra) : object;
}

/** Resolves once a response with a full buffer can take more, or is gone. */
export function drained(response: NodeResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off("drain", done);
      response.off("close", done);
      resolve();
    };
    response.on("drain", done);
    response.on("close", done);
  });
}

/**
 * Calls one method of a service object for a door's exchange and answers
 * 200 with its encoded result and the headers the method set; errors
 * propagate to runEndpoint, which renders them.
 */
export async function answerJson<Result>(
  method: DescMethod,
  exchange: Exchange,
  invoke: (context: HandlerContext) => Result | Promise<Result>,
  encode: (result: Result) => unknown,
): Promise<void> {
  const call = createDoorCall(method, ...exchange);
  try {
    const result = await invoke(call.context);
    sendJson(exchange[1], 200, encode(result), call.context.responseHeader);
  } finally {
    call.done();
  }
}
