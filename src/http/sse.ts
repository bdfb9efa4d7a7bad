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

/**
 * Parses an event stream incrementally. Bytes are decoded by one streaming
 * TextDecoder (so a UTF-8 character split between chunks is whole), lines
 * end at "\n", "\r\n" or "\r" (also when "\r" and "\n" arrive in different
 * chunks), comment lines and `retry:` are ignored. Each chunk is scanned
 * once: a line still incomplete at the end of a chunk is kept as pieces and
 * joined when its end arrives, so long lines cost linear time.
 */
export async function* readSseEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let pieces: string[] = [];
  // The previous chunk ended with "\r": a "\n" starting the next one belongs to it.
  let afterCR = false;
  let data: string | undefined;
  let eventType: string | undefined;
  let id: string | undefined;

  // Applies one line to the event being built; returns the event on a blank line.
  const takeLine = (line: string): SseEvent | undefined => {
    if (line.length === 0) {
      let event: SseEvent | undefined;
      if (data !== undefined) {
        event = { data };
        if (eventType !== undefined) event.event = eventType;
        if (id !== undefined) event.id = id;
      }
      data = undefined;
      eventType = undefined;
      id = undefined;
      return event;
    }
    if (line.charCodeAt(0) === COLON) return undefined;
    const colon = line.indexOf(":");
    let field = line;
    let value = "";
    if (colon !== -1) {
      field = line.slice(0, colon);
      value = line.slice(line.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1);
    }
    switch (field) {
      case "data":
        data = data === undefined ? value : `${data}\n${value}`;
        break;
      case "event":
        eventType = value;
        break;
      case "id":
        if (!value.includes("\0")) id = value;
        break;
      default:
        // retry: and unknown fields are ignored, as the grammar requires.
        break;
    }
    return undefined;
  };

  // Splits `text` into lines; returns the complete lines' events via the generator below.
  function* takeText(text: string): Generator<SseEvent> {
    let start = 0;
    if (afterCR && text.length > 0) {
      afterCR = false;
      if (text.charCodeAt(0) === LF) start = 1;
    }
    let nextLF = text.indexOf("\n", start);
    let nextCR = text.indexOf("\r", start);
    while (start < text.length) {
      if (nextLF !== -1 && nextLF < start) nextLF = text.indexOf("\n", start);
      if (nextCR !== -1 && nextCR < start) nextCR = text.indexOf("\r", start);
      let end = nextLF === -1 ? nextCR : nextCR === -1 ? nextLF : Math.min(nextLF, nextCR);
      if (end === -1) {
        pieces.push(text.slice(start));
        return;
      }
      let line = text.slice(start, end);
      if (pieces.length > 0) {
        pieces.push(line);
        line = pieces.join("");
        pieces = [];
      }
      if (text.charCodeAt(end) === CR) {
        if (end + 1 === text.length) afterCR = true;
        else if (text.charCodeAt(end + 1) === LF) end++;
      }
      start = end + 1;
      const event = takeLine(line);
      if (event !== undefined) yield event;
    }
  }

  for await (const chunk of body) {
    yield* takeText(decoder.decode(chunk, { stream: true }));
  }
  yield* takeText(decoder.decode());
  if (pieces.length > 0) {
    const line = pieces.join("");
    pieces = [];
    const event = takeLine(line);
    if (event !== undefined) yield event;
  }
  const last = takeLine("");
  if (last !== undefined) yield last;
}

const lineBreak = /\r\n|\r|\n/;

/**
 * One event as SSE text: `event:` when given, one `data:` line per line of
 * `data` (JSON from JSON.stringify has none, the fast path), and the blank
 * line that dispatches it. `event` must not contain line breaks.
 */
/** Parses an event's JSON data; garbage from an upstream is its fault (502). */
export function parseSseJson(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch (error) {
    throw invalidUpstreamResponse(error);
  }
}

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
