import { Code } from "@connectrpc/connect";
import { GatewayError } from "../errors/gateway-error.js";
import type { NodeRequest } from "./node-http.js";

/** Large enough for long conversations with inline images. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Reads and parses a JSON request body; bad JSON and oversized bodies become 400/413. */
export async function readJsonBody(request: NodeRequest, limit = MAX_BODY_BYTES): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      throw new GatewayError({
        code: Code.InvalidArgument,
        message: `request body is larger than ${limit} bytes`,
        httpStatus: 413,
      });
    }
    chunks.push(chunk);
  }
  const text = chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8");
  if (text.length === 0) throw GatewayError.invalidArgument("request body is empty; expected JSON");
  try {
    return JSON.parse(text);
  } catch {
    throw GatewayError.invalidArgument("request body is not valid JSON");
  }
}
