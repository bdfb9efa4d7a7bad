import type { NodeResponse } from "../http/node-http.js";
import { PlainHeaders } from "../http/plain-headers.js";

/** Sends a whole JSON response, with the service's response headers: one `writeHead`. */
export function sendJson(response: NodeResponse, status: number, body: unknown, headers?: Headers): void {
  const text = JSON.stringify(body);
  const head = { "content-type": "application/json", "content-length": Buffer.byteLength(text) };
  response.writeHead(status, headers ? { ...headerObject(headers), ...head } : head);
  response.end(text);
}

/** The service's response headers as one object for `writeHead`. */
export function headerObject(headers: Headers): Record<string, string | number> {
  return headers instanceof PlainHeaders ? headers.toObject() : Object.fromEntries(headers);
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
