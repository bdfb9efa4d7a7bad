import { GatewayError } from "../errors/gateway-error.js";
import { drained, headerObject } from "../http/door-kit/json-answer.js";
import { type NodeResponse, writeChunk } from "../http/node-http.js";
import { sseHeaders } from "../http/sse.js";

export interface SseResponseOptions<Chunk> {
  /** The service's response headers (x-litellm-*), sent with the status line. */
  readonly responseHeaders: Headers;
  /** The SSE text for one chunk; "" when the chunk shows nothing to this client. */
  encode(chunk: Chunk): string;
  /** The SSE text after the last chunk (OpenAI's `data: [DONE]`). */
  end(): string;
  /** The SSE text that reports a failure once output has begun. */
  error(error: GatewayError): string;
}

/**
 * Streams a service's chunks as server-sent events, for every REST shim.
 *
 * The first chunk is awaited before the status line goes out, so a failure
 * before any output is still a plain HTTP error (thrown from here). A failure
 * after it becomes one final error event; it is returned for logging.
 *
 * Events that are ready together go out in one write: the text is gathered
 * until the event loop next turns (setImmediate), so a burst of chunks from
 * one upstream read costs one syscall, while a chunk that arrives alone is
 * sent at once.
 */
export async function writeSseResponse<Chunk>(
  response: NodeResponse,
  chunks: AsyncGenerator<Chunk>,
  options: SseResponseOptions<Chunk>,
): Promise<GatewayError | undefined> {
  let next = await chunks.next();
  response.writeHead(200, headerObject(options.responseHeaders, sseHeaders(response)));

  let pending = "";
  let scheduled = false;
  let finished = false;
  let backpressure: Promise<void> | undefined;
  const flush = () => {
    scheduled = false;
    if (finished || pending === "") return;
    const accepted = writeChunk(response, pending);
    pending = "";
    if (!accepted) backpressure = drained(response);
  };

  try {
    while (!next.done) {
      const text = options.encode(next.value);
      if (text !== "") {
        pending += text;
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      }
      if (backpressure) {
        await backpressure;
        backpressure = undefined;
      }
      next = await chunks.next();
    }
    finished = true;
    response.end(pending + options.end());
    return undefined;
  } catch (error) {
    finished = true;
    const gatewayError = GatewayError.from(error);
    if (!response.destroyed) response.end(pending + options.error(gatewayError));
    return gatewayError;
  }
}
