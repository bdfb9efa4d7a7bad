import { invalidUpstreamResponse } from "../errors/gateway-error.js";
/**
 * The project's one Server-Sent Events reader and writer, shared by every
 * provider (reading upstream streams) and every shim (writing to clients).
 * Follows the WHATWG event-stream grammar, with one deliberate difference:
 * an event that ends without its blank line when the body ends is still
 * delivered (upstreams that close right after their last `data:` line lose
 * nothing).
 */

/** One dispatched event. `event` and `id` are present only when the event set them. */
export interface SseEvent {
  event?: string;
  /** The `data:` lines of the event, joined with "\n". */
  data: string;
  id?: string;
}

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;
const NUL = "\0";

/**
 * Parses an event stream incrementally, on bytes: lines end at "\n",
 * "\r\n" or "\r" (also when "\r" and "\n" arrive in different chunks),
 * and those are ASCII bytes that never occur inside a UTF-8 character, so
 * each line is decoded on its own with no streaming decoder. Comment lines
 * and `retry:` are ignored; a leading byte order mark is skipped. A line
 * still incomplete at the end of a chunk is kept as pieces and joined when
 * its end arrives, so long lines cost linear time.
 */
export async function* readSseEvents(
  body: AsyncIterable<Uint8Array>,
  /** Turns a failure reading the body into the caller's error type. */
  mapError: (error: unknown) => unknown = (error) => error,
): AsyncGenerator<SseEvent> {
  const parser = new SseParser();
  try {
    for await (const chunk of body) {
      // Events that arrived together are yielded from one array: one parse
      // per network read, not one await per line.
      for (const event of parser.push(chunk)) yield event;
    }
  } catch (error) {
    throw mapError(error);
  }
  for (const event of parser.end()) yield event;
}

class SseParser {
  #pieces: Buffer[] = [];
  /** The previous chunk ended with "\r": a "\n" starting the next one belongs to it. */
  #afterCR = false;
  #firstLine = true;
  #data: string | undefined;
  #eventType: string | undefined;
  #id: string | undefined;
  #events: SseEvent[] = [];

  push(bytes: Uint8Array): SseEvent[] {
    const chunk = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#events = [];
    let start = 0;
    if (this.#afterCR && chunk.length > 0) {
      this.#afterCR = false;
      if (chunk[0] === LF) start = 1;
    }
    let nextCR = chunk.indexOf(CR, start);
    while (start < chunk.length) {
      const nextLF = chunk.indexOf(LF, start);
      if (nextCR !== -1 && nextCR < start) nextCR = chunk.indexOf(CR, start);
      let end = nextLF === -1 ? nextCR : nextCR === -1 ? nextLF : Math.min(nextLF, nextCR);
      if (end === -1) {
        this.#pieces.push(chunk.subarray(start));
        break;
      }
      if (this.#pieces.length > 0) {
        this.#pieces.push(chunk.subarray(start, end));
        const line = Buffer.concat(this.#pieces);
        this.#pieces = [];
        this.#line(line, 0, line.length);
      } else {
        this.#line(chunk, start, end);
      }
      if (chunk[end] === CR) {
        if (end + 1 === chunk.length) this.#afterCR = true;
        else if (chunk[end + 1] === LF) end++;
      }
      start = end + 1;
    }
    return this.#events;
  }

  /** The body ended: a last line or event without its terminator still counts. */
  end(): SseEvent[] {
    this.#events = [];
    if (this.#pieces.length > 0) {
      const line = Buffer.concat(this.#pieces);
      this.#pieces = [];
      this.#line(line, 0, line.length);
    }
    this.#dispatch();
    return this.#events;
  }

  #line(buffer: Buffer, start: number, end: number): void {
    if (this.#firstLine) {
      this.#firstLine = false;
      if (
        end - start >= 3 &&
        buffer[start] === 0xef &&
        buffer[start + 1] === 0xbb &&
        buffer[start + 2] === 0xbf
      ) {
        start += 3;
      }
    }
    if (start === end) {
      this.#dispatch();
      return;
    }
    if (buffer[start] === COLON) return;
    let colon = buffer.indexOf(COLON, start);
    if (colon >= end) colon = -1;
    const fieldEnd = colon === -1 ? end : colon;
    let valueStart = colon === -1 ? end : colon + 1;
    if (valueStart < end && buffer[valueStart] === SPACE) valueStart++;
    const field = buffer.toString("latin1", start, fieldEnd);
    switch (field) {
      case "data": {
        const value = buffer.toString("utf8", valueStart, end);
        this.#data = this.#data === undefined ? value : `${this.#data}\n${value}`;
        break;
      }
      case "event":
        this.#eventType = buffer.toString("utf8", valueStart, end);
        break;
      case "id": {
        const value = buffer.toString("utf8", valueStart, end);
        if (!value.includes(NUL)) this.#id = value;
        break;
      }
      default:
        // retry: and unknown fields are ignored, as the grammar requires.
        break;
    }
  }

  #dispatch(): void {
    if (this.#data !== undefined) {
      const event: SseEvent = { data: this.#data };
      if (this.#eventType !== undefined) event.event = this.#eventType;
      if (this.#id !== undefined) event.id = this.#id;
      this.#events.push(event);
    }
    this.#data = undefined;
    this.#eventType = undefined;
    this.#id = undefined;
  }
}

const lineBreak = /\r\n|\r|\n/;

/** Parses an event's JSON data; garbage from an upstream is its fault (502). */
export function parseSseJson(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch (error) {
    throw invalidUpstreamResponse(error);
  }
}

/**
 * One event as SSE text: `event:` when given, one `data:` line per line of
 * `data` (JSON from JSON.stringify has none, the fast path), and the blank
 * line that dispatches it. `event` must not contain line breaks.
 */
export function formatSseEvent(data: string, event?: string): string {
  const head = event === undefined ? "data: " : `event: ${event}\ndata: `;
  if (data.indexOf("\n") === -1 && data.indexOf("\r") === -1) return `${head}${data}\n\n`;
  return `${head}${data.split(lineBreak).join("\ndata: ")}\n\n`;
}

/** The OpenAI stream terminator. */
export const SSE_DONE = "data: [DONE]\n\n";

/**
 * Response headers for an event stream on HTTP/1.1. `x-accel-buffering: no`
 * keeps nginx-style proxies from holding events back.
 */
export const SSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  connection: "keep-alive",
  "x-accel-buffering": "no",
});

/** The same without `connection`, which HTTP/2 forbids (Node throws on it). */
export const SSE_HEADERS_HTTP2: Readonly<Record<string, string>> = Object.freeze({
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
});

/** Picks SSE_HEADERS or SSE_HEADERS_HTTP2 for the response's HTTP version. */
export function sseHeaders(response: {
  readonly req: { readonly httpVersionMajor: number };
}): Readonly<Record<string, string>> {
  return response.req.httpVersionMajor >= 2 ? SSE_HEADERS_HTTP2 : SSE_HEADERS;
}
