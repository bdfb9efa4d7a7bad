import { Code } from "@connectrpc/connect";
import { GatewayError } from "../../errors/gateway-error.js";
import type { NodeRequest } from "../node-http.js";

/** Large enough for long conversations with inline images. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Reads and parses a JSON request body; bad JSON, oversized and too deeply nested bodies become 400/413. */
export async function readJsonBody(request: NodeRequest, limit = MAX_BODY_BYTES): Promise<unknown> {
  const text = await readBodyText(request, limit);
  if (text.length === 0) throw GatewayError.invalidArgument("request body is empty; expected JSON");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw GatewayError.invalidArgument("request body is not valid JSON");
  }
  if (nestedDeeperThan(body, MAX_JSON_DEPTH)) {
    throw GatewayError.invalidArgument(`request body is nested more than ${MAX_JSON_DEPTH} levels deep`);
  }
  return body;
}

/**
 * The body as UTF-8 text, refused (413) as soon as it passes `limit`. Plain
 * listeners rather than an async iterator: the iterator's promise per chunk
 * and end-of-stream bookkeeping were a visible share of a small call's cost.
 */
export function readBodyText(request: NodeRequest, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        // The rest is read and dropped, so the answer can still be written on this connection.
        request.resume();
        reject(
          new GatewayError({
            code: Code.InvalidArgument,
            message: `request body is larger than ${limit} bytes`,
            httpStatus: 413,
          }),
        );
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8"));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      // Closed before the end: the client went away mid-body.
      cleanup();
      reject(new GatewayError({ code: Code.Canceled, message: "request cancelled by the client" }));
    };
    function cleanup() {
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
      request.off("close", onClose);
    }
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onError);
    request.on("close", onClose);
  });
}

/**
 * Deeper than any real request (tool schemas run to a few dozen levels); much deeper JSON would
 * overflow the stack of the recursive conversions behind the doors (protobuf Struct, jsonb).
 */
export const MAX_JSON_DEPTH = 128;

/** Whether `value` nests objects/arrays more than `limit` levels, walked without recursion. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (depth > limit) return true;
    const children = Array.isArray(node) ? node : Object.values(node as Record<string, unknown>);
    for (const child of children) {
      if (typeof child === "object" && child !== null) pending.push([child, depth + 1]);
    }
  }
  return false;
}
