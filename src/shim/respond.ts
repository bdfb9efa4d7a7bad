import type { NodeResponse } from "../http/node-http.js";

/** Sends a whole JSON response, with the service's response headers. */
export function sendJson(response: NodeResponse, status: number, body: unknown, headers?: Headers): void {
  const text = JSON.stringify(body);
  if (headers) copyHeaders(headers, response);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

export function copyHeaders(headers: Headers, response: NodeResponse): void {
  headers.forEach((value, name) => {
    response.setHeader(name, value);
  });
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
