import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as wait, setImmediate as yieldToEventLoop } from "node:timers/promises";

/**
 * A fake Anthropic upstream on node:http (127.0.0.1, port 0) speaking the
 * real Messages wire format (protocols.md §6.5): `POST /v1/messages`, JSON
 * or SSE with named events and a `ping`, errors as
 * `{"type":"error","error":{type,message}}` with a `request-id` header.
 *
 * It checks what the real API checks and the gateway must get right:
 * `anthropic-version` present, `x-api-key` (when configured), `max_tokens`
 * present, roles strictly alternating user/assistant (so unmerged turns
 * fail), every `tool_use` answered by a `tool_result` in the next user turn,
 * and, under API version 2026-10-21, no `temperature`/`top_p`/`top_k`.
 *
 * Answers are the OpenAI fake's, derived from the request:
 * - last user turn holds a `tool_result` → text `"tool said: " + <its content>`;
 * - tools given (tool_choice not none) and the last user turn is text →
 *   one `tool_use` of the first tool (or the one tool_choice names) with
 *   input `{"query": <last user text>}`;
 * - otherwise → text `"echo: " + <last user text>`.
 * Token counts are word counts; `max_tokens` truncates to that many words
 * (stop_reason max_tokens); a stop sequence in the answer cuts it there
 * (stop_reason stop_sequence).
 *
 * Failures by model name:
 *
 * | model              | behaviour                                                         |
 * |--------------------|-------------------------------------------------------------------|
 * | `error-429`        | 429 `rate_limit_error`, `retry-after: 1`                          |
 * | `error-529`        | 529 `overloaded_error`                                            |
 * | `error-500`        | 500 `api_error`                                                   |
 * | `error-400`        | 400 `invalid_request_error` (a max_tokens complaint)              |
 * | `error-context`    | 400 `invalid_request_error` "prompt is too long: …"               |
 * | `error-mid-stream` | stream: start, one text delta, then `event: error` overloaded (non-stream: 500) |
 * | `slow-stream-<ms>` | `<ms>` between stream events (non-stream: waits once)             |
 * | `hang`             | never answers                                                     |
 */
export interface FakeAnthropic {
  /** Host root, like Anthropic's base URL: "http://127.0.0.1:PORT". */
  readonly url: string;
  /** Every request received, in arrival order, recorded once its body is read. */
  readonly requests: RecordedAnthropicRequest[];
  /** Closes every connection (ending hanging requests) and the server. */
  close(): Promise<void>;
}

export interface RecordedAnthropicRequest {
  method: string;
  path: string;
  /** Node's lower-cased request headers. */
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body; the raw text when it is not JSON. */
  body: unknown;
}

export interface FakeAnthropicOptions {
  /** When set, requests must carry `x-api-key: <apiKey>`, else 401. */
  apiKey?: string;
}

type Json = Record<string, unknown>;

interface FakeError {
  status: number;
  type: string;
  message: string;
  headers?: Record<string, string>;
}

interface Answer {
  content: Json[];
  stopReason: "end_turn" | "max_tokens" | "stop_sequence" | "tool_use";
  stopSequence: string | null;
  inputTokens: number;
  outputTokens: number;
}

const fixedErrors: Readonly<Record<string, FakeError>> = {
  "error-429": {
    status: 429,
    type: "rate_limit_error",
    message: "Number of request tokens has exceeded your per-minute rate limit",
    headers: { "retry-after": "1", "anthropic-ratelimit-requests-remaining": "0" },
  },
  "error-529": { status: 529, type: "overloaded_error", message: "Overloaded" },
  "error-500": { status: 500, type: "api_error", message: "Internal server error" },
  "error-400": {
    status: 400,
    type: "invalid_request_error",
    message: "max_tokens: 999999 > 64000, which is the maximum allowed number of output tokens",
  },
  "error-context": {
    status: 400,
    type: "invalid_request_error",
    message: "prompt is too long: 212345 tokens > 200000 maximum",
  },
};

const slowStreamPattern = /^slow-stream-(\d+)$/;
const wordPattern = /\S+/g;
const piecePattern = /\s*\S+/g;
const SAMPLING_REMOVED_IN = "2026-10-21";

export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const requests: RecordedAnthropicRequest[] = [];
  let messageCount = 0;
  let toolUseCount = 0;

  const server = createServer({ noDelay: true }, (request, response) => {
    void receive(request, response);
  });

  async function receive(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let text: string;
    try {
      const parts: Buffer[] = [];
      for await (const part of request) parts.push(part as Buffer);
      text = Buffer.concat(parts).toString("utf8");
    } catch {
      return;
    }
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Kept as text; answered with a 400 below.
    }
    const record: RecordedAnthropicRequest = {
      method: request.method ?? "GET",
      path: request.url ?? "/",
      headers: request.headers,
      body,
    };
    requests.push(record);
    response.setHeader("request-id", `req_fake${requests.length}`);
    const closed = new AbortController();
    response.on("close", () => closed.abort());

    if (record.method !== "POST" || record.path.split("?", 1)[0] !== "/v1/messages") {
      return sendError(response, { status: 404, type: "not_found_error", message: "Not found" });
    }
    if (options.apiKey !== undefined && request.headers["x-api-key"] !== options.apiKey) {
      return sendError(response, { status: 401, type: "authentication_error", message: "invalid x-api-key" });
    }
    const version = request.headers["anthropic-version"];
    if (typeof version !== "string" || version === "") {
      return sendError(response, invalid("anthropic-version: header is required"));
    }
    const problem = validate(body, version);
    if (problem !== undefined) return sendError(response, invalid(problem));
    const chat = body as Json;
    const model = chat.model as string;

    const fixed = fixedErrors[model];
    if (fixed !== undefined) return sendError(response, fixed);
    if (model === "hang") return; // Ends when the client or close() ends the connection.
    const slow = slowStreamPattern.exec(model);
    const delayMs = slow ? Number(slow[1]) : 0;
    const answer = answerOf(chat, () => `toolu_fake${++toolUseCount}`);
    const id = `msg_fake${++messageCount}`;

    if (chat.stream !== true) {
      if (model === "error-mid-stream") {
        return sendError(response, { status: 500, type: "api_error", message: "Internal server error" });
      }
      if (delayMs > 0 && !(await pause(delayMs, closed.signal))) return;
      return sendJson(response, 200, {
        id,
        type: "message",
        role: "assistant",
        model,
        content: answer.content,
        stop_reason: answer.stopReason,
        stop_sequence: answer.stopSequence,
        usage: usageOf(answer, answer.outputTokens),
      });
    }

    response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
    });
    const events = streamEvents(id, model, answer);
    for (let index = 0; index < events.length; index++) {
      if (closed.signal.aborted) return;
      if (delayMs > 0 && index > 0 && !(await pause(delayMs, closed.signal))) return;
      if (model === "error-mid-stream" && index === 4) {
        const error = { type: "error", error: { type: "overloaded_error", message: "Overloaded" } };
        response.end(`event: error\ndata: ${JSON.stringify(error)}\n\n`);
        return;
      }
      const event = events[index]!;
      if (!response.write(`event: ${event.type as string}\ndata: ${JSON.stringify(event)}\n\n`)) {
        await new Promise<void>((resolve) => {
          response.once("drain", resolve);
          closed.signal.addEventListener("abort", () => resolve(), { once: true });
        });
      }
      await yieldToEventLoop();
    }
    response.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What the real API would reject with a 400, as its message; undefined when the body is fine. */
function validate(body: unknown, version: string): string | undefined {
  if (!isRecord(body)) return "The request body is not valid JSON.";
  if (typeof body.model !== "string" || body.model === "") return "model: Field required";
  if (typeof body.max_tokens !== "number" || !Number.isInteger(body.max_tokens) || body.max_tokens < 1) {
    return "max_tokens: Field required";
  }
  if (version >= SAMPLING_REMOVED_IN) {
    for (const key of ["temperature", "top_p", "top_k"]) {
      if (key in body) return `${key}: Extra inputs are not permitted`;
    }
  }
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return "messages: at least one message is required";
  let previousRole: unknown;
  let pendingToolUses: string[] = [];
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index];
    if (!isRecord(message)) return `messages.${index}: Input should be an object`;
    if (message.role !== "user" && message.role !== "assistant") {
      return `messages.${index}.role: Input should be 'user' or 'assistant'`;
    }
    if (message.role === previousRole) {
      return `messages: roles must alternate between "user" and "assistant", but found multiple "${message.role}" roles in a row`;
    }
    previousRole = message.role;
    const blocks = Array.isArray(message.content) ? message.content.filter(isRecord) : [];
    if (typeof message.content !== "string" && !Array.isArray(message.content)) {
      return `messages.${index}.content: Input should be a string or a list`;
    }
    if (pendingToolUses.length > 0) {
      const answered = new Set(
        blocks.filter((block) => block.type === "tool_result").map((b) => b.tool_use_id),
      );
      const missing = pendingToolUses.filter((id) => !answered.has(id));
      if (missing.length > 0) {
        return `messages.${index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(", ")}`;
      }
    }
    pendingToolUses = [];
    for (const block of blocks) {
      if (block.type === "text" && (typeof block.text !== "string" || block.text === "")) {
        return `messages.${index}: text content blocks must be non-empty`;
      }
      if (block.type === "tool_result" && message.role !== "user") {
        return `messages.${index}: tool_result blocks may only appear in user messages`;
      }
      if (block.type === "tool_use") {
        if (message.role !== "assistant")
          return `messages.${index}: tool_use blocks may only appear in assistant messages`;
        if (!isRecord(block.input)) return `messages.${index}: tool_use.input: Input should be an object`;
        pendingToolUses.push(String(block.id));
      }
    }
  }
  return undefined;
}

function answerOf(body: Json, nextToolUseId: () => string): Answer {
  const messages = body.messages as Json[];
  let inputTokens = countWords(textOf(body.system));
  let lastUserText = "";
  for (const message of messages) {
    inputTokens += countWords(textOf(message.content));
    if (message.role === "user") {
      const text = userText(message.content);
      if (text !== "") lastUserText = text;
    }
  }
  const last = messages[messages.length - 1]!;
  const blocks = Array.isArray(last.content) ? last.content.filter(isRecord) : [];
  const toolResult =
    last.role === "user" ? blocks.filter((block) => block.type === "tool_result").at(-1) : undefined;
  const tools = Array.isArray(body.tools) ? body.tools.filter(isRecord) : [];
  const choice = isRecord(body.tool_choice) ? body.tool_choice : undefined;

  if (toolResult === undefined && last.role === "user" && tools.length > 0 && choice?.type !== "none") {
    const name = choice?.type === "tool" ? String(choice.name) : String(tools[0]!.name);
    const input = { query: lastUserText };
    return {
      content: [{ type: "tool_use", id: nextToolUseId(), name, input }],
      stopReason: "tool_use",
      stopSequence: null,
      inputTokens,
      outputTokens: countWords(JSON.stringify(input)),
    };
  }
  let text = toolResult !== undefined ? `tool said: ${textOf(toolResult.content)}` : `echo: ${lastUserText}`;
  let stopReason: Answer["stopReason"] = "end_turn";
  let stopSequence: string | null = null;
  for (const sequence of Array.isArray(body.stop_sequences) ? body.stop_sequences : []) {
    const at = typeof sequence === "string" && sequence !== "" ? text.indexOf(sequence) : -1;
    if (at !== -1) {
      text = text.slice(0, at);
      stopReason = "stop_sequence";
      stopSequence = sequence as string;
      break;
    }
  }
  const words = text.match(wordPattern) ?? [];
  const maxTokens = body.max_tokens as number;
  if (words.length > maxTokens) {
    text = words.slice(0, maxTokens).join(" ");
    stopReason = "max_tokens";
    stopSequence = null;
  }
  return {
    content: [{ type: "text", text, citations: null }],
    stopReason,
    stopSequence,
    inputTokens,
    outputTokens: countWords(text),
  };
}

/** The event sequence of a real stream: start, ping, blocks, delta, stop. */
function streamEvents(id: string, model: string, answer: Answer): Json[] {
  const events: Json[] = [
    {
      type: "message_start",
      message: {
        id,
        type: "message",
        role: "assistant",
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: usageOf(answer, 1),
      },
    },
    { type: "ping" },
  ];
  answer.content.forEach((block, index) => {
    if (block.type === "tool_use") {
      events.push({
        type: "content_block_start",
        index,
        content_block: { type: "tool_use", id: block.id, name: block.name, input: {} },
      });
      // The real API opens with an empty fragment, then sends the JSON in pieces.
      const json = JSON.stringify(block.input);
      events.push({
        type: "content_block_delta",
        index,
        delta: { type: "input_json_delta", partial_json: "" },
      });
      for (let start = 0; start < json.length; start += 8) {
        events.push({
          type: "content_block_delta",
          index,
          delta: { type: "input_json_delta", partial_json: json.slice(start, start + 8) },
        });
      }
    } else {
      events.push({ type: "content_block_start", index, content_block: { type: "text", text: "" } });
      for (const piece of String(block.text).match(piecePattern) ?? []) {
        events.push({ type: "content_block_delta", index, delta: { type: "text_delta", text: piece } });
      }
    }
    events.push({ type: "content_block_stop", index });
  });
  events.push(
    {
      type: "message_delta",
      delta: { stop_reason: answer.stopReason, stop_sequence: answer.stopSequence },
      usage: { output_tokens: answer.outputTokens },
    },
    { type: "message_stop" },
  );
  return events;
}

function usageOf(answer: Answer, outputTokens: number): Json {
  return {
    input_tokens: answer.inputTokens,
    output_tokens: outputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
}

/** Text of a system prompt, message content or tool result: strings and text blocks, joined by spaces. */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const texts: string[] = [];
  for (const block of content) {
    if (!isRecord(block)) continue;
    if (typeof block.text === "string") texts.push(block.text);
    else if (block.type === "tool_result") texts.push(textOf(block.content));
  }
  return texts.join(" ");
}

/** A user turn's own text, without its tool results. */
function userText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((block) => isRecord(block) && block.type === "text" && typeof block.text === "string")
    .map((block) => (block as Json).text as string)
    .join(" ");
}

function countWords(text: string): number {
  return text.match(wordPattern)?.length ?? 0;
}

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalid(message: string): FakeError {
  return { status: 400, type: "invalid_request_error", message };
}

async function pause(delayMs: number, signal: AbortSignal): Promise<boolean> {
  try {
    await wait(delayMs, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(json),
  });
  response.end(json);
}

function sendError(response: ServerResponse, error: FakeError): void {
  for (const [name, value] of Object.entries(error.headers ?? {})) response.setHeader(name, value);
  sendJson(response, error.status, {
    type: "error",
    error: { type: error.type, message: error.message },
    request_id: response.getHeader("request-id"),
  });
}
