import { createServer } from "node:http";
import { parseArgs } from "node:util";

/**
 * The benchmark's upstream: an OpenAI chat endpoint as cheap as node:http
 * allows, so the numbers measure the proxy in front of it. Every answer is
 * prebuilt: a fixed-size completion, or a stream of 20 chunks (role, 18
 * words, finish) written back to back, plus a usage chunk when the request
 * asks for `stream_options.include_usage`. It reads the request body only to
 * look for `"stream": true`.
 *
 * Usage: node --import tsx bench/upstream.ts --port <port>
 */

const { values } = parseArgs({ options: { port: { type: "string" } } });
const port = Number(values.port ?? 0);

const streamPattern = /"stream"\s*:\s*true/;
const includeUsagePattern = /"include_usage"\s*:\s*true/;
const words =
  "The quick brown fox jumps over the lazy dog while the benchmark counts every byte that flows by.".split(
    " ",
  );
const usage = { prompt_tokens: 12, completion_tokens: words.length, total_tokens: 12 + words.length };
const identity = { id: "chatcmpl-bench", created: 1_700_000_000, model: "bench" };

const completion = Buffer.from(
  JSON.stringify({
    ...identity,
    object: "chat.completion",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: words.join(" "), refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: "stop",
      },
    ],
    usage,
    system_fingerprint: "fp_bench",
  }),
);

function event(delta: object, finishReason: string | null, includeUsage: boolean): Buffer {
  const chunk = {
    ...identity,
    object: "chat.completion.chunk",
    system_fingerprint: "fp_bench",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(includeUsage && { usage: null }),
  };
  return Buffer.from(`data: ${JSON.stringify(chunk)}\n\n`);
}

function streamEvents(includeUsage: boolean): Buffer[] {
  const events = [event({ role: "assistant", content: "" }, null, includeUsage)];
  words.forEach((word, index) => {
    events.push(event({ content: index === 0 ? word : ` ${word}` }, null, includeUsage));
  });
  events.push(event({}, "stop", includeUsage));
  if (includeUsage) {
    const usageChunk = { ...identity, object: "chat.completion.chunk", choices: [], usage };
    events.push(Buffer.from(`data: ${JSON.stringify(usageChunk)}\n\n`));
  }
  events.push(Buffer.from("data: [DONE]\n\n"));
  return events;
}

/**
 * The same answer in Anthropic's Messages format (`POST /v1/messages`), so
 * the bench can price translation on the hot path: 18 text deltas between
 * message_start / content_block_start and content_block_stop /
 * message_delta / message_stop, as the API streams them.
 */
const anthropicMessage = Buffer.from(
  JSON.stringify({
    id: "msg_bench",
    type: "message",
    role: "assistant",
    model: "bench",
    content: [{ type: "text", text: words.join(" ") }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: usage.prompt_tokens, output_tokens: usage.completion_tokens },
  }),
);

function anthropicEvent(type: string, body: object): Buffer {
  return Buffer.from(`event: ${type}\ndata: ${JSON.stringify({ type, ...body })}\n\n`);
}

const anthropicStream = [
  anthropicEvent("message_start", {
    message: {
      id: "msg_bench",
      type: "message",
      role: "assistant",
      model: "bench",
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: usage.prompt_tokens, output_tokens: 1 },
    },
  }),
  anthropicEvent("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
  ...words.map((word, index) =>
    anthropicEvent("content_block_delta", {
      index: 0,
      delta: { type: "text_delta", text: index === 0 ? word : ` ${word}` },
    }),
  ),
  anthropicEvent("content_block_stop", { index: 0 }),
  anthropicEvent("message_delta", {
    delta: { stop_reason: "end_turn", stop_sequence: null },
    usage: { output_tokens: usage.completion_tokens },
  }),
  anthropicEvent("message_stop", {}),
];
const anthropicJsonHeaders = {
  "content-type": "application/json",
  "content-length": anthropicMessage.length,
};

const plainStream = streamEvents(false);
const usageStream = streamEvents(true);
const jsonHeaders = { "content-type": "application/json", "content-length": completion.length };
const sseHeaders = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" };

const server = createServer({ noDelay: true, keepAliveTimeout: 65_000 }, (request, response) => {
  let body = "";
  request.setEncoding("utf8");
  request.on("data", (part: string) => {
    body += part;
  });
  request.on("end", () => {
    if (request.url === "/v1/messages") {
      if (!streamPattern.test(body)) {
        response.writeHead(200, anthropicJsonHeaders);
        response.end(anthropicMessage);
        return;
      }
      response.writeHead(200, sseHeaders);
      for (const chunk of anthropicStream) response.write(chunk);
      response.end();
      return;
    }
    if (!streamPattern.test(body)) {
      response.writeHead(200, jsonHeaders);
      response.end(completion);
      return;
    }
    response.writeHead(200, sseHeaders);
    for (const chunk of includeUsagePattern.test(body) ? usageStream : plainStream) response.write(chunk);
    response.end();
  });
});
server.listen(port, "127.0.0.1");
// The runner holds our stdin open: when it goes away, however it died, so do we.
process.stdin.on("close", () => process.exit(0)).resume();
