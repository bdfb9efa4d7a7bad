import { describe, expect, it } from "vitest";
import {
  formatSseEvent,
  readSseEvents,
  SSE_DONE,
  SSE_HEADERS,
  SSE_HEADERS_HTTP2,
  type SseEvent,
  sseHeaders,
} from "../../src/http/sse.js";

const encoder = new TextEncoder();

async function* chunksOf(parts: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield part;
}

async function readAll(parts: readonly Uint8Array[]): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of readSseEvents(chunksOf(parts))) events.push(event);
  return events;
}

/** A stream exercising every rule: LF, CRLF and CR line ends, multi-line data, comments, fields, UTF-8. */
const mixedStream =
  ": keep-alive comment\n" +
  'data: {"text":"héllo wörld 🌍"}\n\n' +
  "event: message_start\r\n" +
  "id: 7\r\n" +
  "retry: 1000\r\n" +
  "data: line one\r\n" +
  "data:line two\r\n" +
  "\r\n" +
  "data: 日本語\r\r" +
  "data:\n\n" +
  "event: ping\n\n" +
  "unknown: field\n" +
  "data\n\n" +
  "data: [DONE]\n\n" +
  "data: no trailing blank line";

const mixedExpected: SseEvent[] = [
  { data: '{"text":"héllo wörld 🌍"}' },
  { event: "message_start", id: "7", data: "line one\nline two" },
  { data: "日本語" },
  { data: "" },
  // "event: ping" alone has no data and is not dispatched.
  { data: "" },
  { data: "[DONE]" },
  { data: "no trailing blank line" },
];

describe("readSseEvents", () => {
  it("parses every line ending, multi-line data, comments and fields", async () => {
    expect(await readAll([encoder.encode(mixedStream)])).toEqual(mixedExpected);
  });

  it("gives the same events whatever byte the stream is split at", async () => {
    const bytes = encoder.encode(mixedStream);
    for (let split = 0; split <= bytes.length; split++) {
      const events = await readAll([bytes.subarray(0, split), bytes.subarray(split)]);
      expect(events, `split at byte ${split}`).toEqual(mixedExpected);
    }
  });

  it("gives the same events when every byte arrives alone", async () => {
    const bytes = encoder.encode(mixedStream);
    const parts = Array.from({ length: bytes.length }, (_, index) => bytes.subarray(index, index + 1));
    expect(await readAll(parts)).toEqual(mixedExpected);
  });

  it("splits inside a multi-byte character and between \\r and \\n at every position of three parts", async () => {
    const bytes = encoder.encode("data: €😀\r\n\r\ndata: b\r\r");
    for (let first = 0; first <= bytes.length; first++) {
      for (let second = first; second <= bytes.length; second++) {
        const events = await readAll([
          bytes.subarray(0, first),
          bytes.subarray(first, second),
          bytes.subarray(second),
        ]);
        expect(events, `splits at ${first}, ${second}`).toEqual([{ data: "€😀" }, { data: "b" }]);
      }
    }
  });

  it("treats \\r\\n split across chunks as one line end, not two", async () => {
    const events = await readAll([
      encoder.encode("data: a\r"),
      encoder.encode("\ndata: b\r"),
      encoder.encode("\n\r\n"),
    ]);
    expect(events).toEqual([{ data: "a\nb" }]);
  });

  it("reads a long line delivered in many chunks", async () => {
    const payload = "x".repeat(2_000_000);
    const bytes = encoder.encode(`data: ${payload}\n\n`);
    const parts: Uint8Array[] = [];
    for (let offset = 0; offset < bytes.length; offset += 1024)
      parts.push(bytes.subarray(offset, offset + 1024));
    const events = await readAll(parts);
    expect(events).toHaveLength(1);
    expect(events[0]?.data.length).toBe(payload.length);
  });

  it("strips a leading byte order mark", async () => {
    expect(await readAll([new Uint8Array([0xef, 0xbb, 0xbf]), encoder.encode("data: x\n\n")])).toEqual([
      { data: "x" },
    ]);
  });

  it("yields nothing for an empty body", async () => {
    expect(await readAll([])).toEqual([]);
  });
});

describe("formatSseEvent", () => {
  it("writes one data line, or several for multi-line data, and an event name", () => {
    expect(formatSseEvent('{"a":1}')).toBe('data: {"a":1}\n\n');
    expect(formatSseEvent("one\ntwo\r\nthree", "delta")).toBe(
      "event: delta\ndata: one\ndata: two\ndata: three\n\n",
    );
    expect(SSE_DONE).toBe("data: [DONE]\n\n");
  });

  it("is read back as written", async () => {
    const written = [formatSseEvent("a\nb", "x"), formatSseEvent(""), formatSseEvent("z")].join("");
    expect(await readAll([encoder.encode(written)])).toEqual([
      { event: "x", data: "a\nb" },
      { data: "" },
      { data: "z" },
    ]);
  });
});

describe("sseHeaders", () => {
  it("sends connection: keep-alive on HTTP/1.1 only, since HTTP/2 forbids it", () => {
    expect(sseHeaders({ req: { httpVersionMajor: 1 } })).toBe(SSE_HEADERS);
    expect(SSE_HEADERS).toMatchObject({
      connection: "keep-alive",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
    });
    expect(sseHeaders({ req: { httpVersionMajor: 2 } })).toBe(SSE_HEADERS_HTTP2);
    expect(SSE_HEADERS_HTTP2).not.toHaveProperty("connection");
    expect(SSE_HEADERS_HTTP2["content-type"]).toMatch(/^text\/event-stream/);
  });
});
