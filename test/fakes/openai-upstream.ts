import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as wait, setImmediate as yieldToEventLoop } from "node:timers/promises";
import { answerChat, isRecord, validateChatRequest } from "./openai-chat-answer.js";
import { type ResponseIdentity, toChatChunks, toChatCompletion } from "./openai-chat-wire.js";
import { answerEmbeddings } from "./openai-embedding.js";
import { type FaultMode, faultModeOf, type UpstreamError } from "./openai-fault-mode.js";
import { toTextChunks, toTextCompletion, validateTextCompletionRequest } from "./openai-text-completion.js";

/**
 * A fake OpenAI upstream on node:http (127.0.0.1, port 0) that speaks the
 * real wire format: `POST /v1/chat/completions` (JSON and SSE),
 * `POST /v1/completions` (legacy text completions, JSON and SSE; see
 * openai-text-completion.ts), `POST /v1/embeddings` (float and base64),
 * `POST /v1/images/generations`, `POST /v1/moderations`,
 * `GET /v1/models[/{id}]`. Azure OpenAI's deployment URLs
 * (`/openai/deployments/{name}/{chat/completions|completions|embeddings}`)
 * are answered like their `/v1` twins, and there the key may come in an
 * `api-key` header, as Azure clients send it.
 * Answers are derived from the request (see openai-chat-answer.ts); failures
 * are chosen by the model name (see openai-fault-mode.ts).
 */
export interface FakeOpenAI {
  /** Base URL including `/v1`, like OpenAI's: "http://127.0.0.1:PORT/v1". */
  readonly url: string;
  /** "http://127.0.0.1:PORT". */
  readonly origin: string;
  /** Every request received, in arrival order, recorded once its body is read. */
  readonly requests: RecordedRequest[];
  /** TCP connections accepted so far, so tests can assert keep-alive pooling. */
  readonly connections: number;
  /**
   * The next request a client closed before its response finished. Aborts are
   * queued: one that happened before the call is returned at once, so a test
   * can abort first and await afterwards without a race.
   */
  nextAbort(): Promise<RecordedRequest>;
  /** While true, every request gets a 503 server error (an upstream outage a test can end). */
  down: boolean;
  /** Closes every connection (ending hanging requests) and the server. */
  close(): Promise<void>;
}

export interface RecordedRequest {
  method: string;
  /** Path with query string, e.g. "/v1/chat/completions". */
  path: string;
  /** Node's lower-cased request headers. */
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body; the raw text when it is not JSON; undefined when empty. */
  body: unknown;
  /** True once the client closed the request before the response finished. */
  aborted: boolean;
}

export interface FakeOpenAIOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>`, else 401. */
  apiKey?: string;
}

/** One request being answered: what it is, and whether the client is still there. */
interface Exchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly record: RecordedRequest;
  /** Aborted when the response closes, finished or not: stops timers and stream loops. */
  readonly closed: AbortSignal;
  /** Set before the fake destroys a socket on purpose, so that is not reported as a client abort. */
  destroyedByServer: boolean;
}

const knownModels = ["gpt-4o", "gpt-4o-mini", "text-embedding-3-small"];

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const requests: RecordedRequest[] = [];
  const unclaimedAborts: RecordedRequest[] = [];
  const abortWaiters: Array<(record: RecordedRequest) => void> = [];
  const expectedAuthorization = options.apiKey === undefined ? undefined : `Bearer ${options.apiKey}`;
  let connections = 0;
  let toolCallCount = 0;
  let responseCount = 0;
  let closing = false;

  const nextToolCallId = (): string => `call_${++toolCallCount}`;

  const reportAbort = (record: RecordedRequest): void => {
    record.aborted = true;
    const waiter = abortWaiters.shift();
    if (waiter) waiter(record);
    else unclaimedAborts.push(record);
  };

  const server = createServer({ noDelay: true }, (request, response) => {
    void receive(request, response);
  });
  server.on("connection", () => {
    connections++;
  });

  async function receive(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let text: string;
    let raw: Buffer;
    try {
      const parts: Buffer[] = [];
      for await (const part of request) parts.push(part as Buffer);
      raw = Buffer.concat(parts);
      text = raw.toString("utf8");
    } catch {
      return; // The client went away while sending; there is nothing to answer.
    }
    let body: unknown;
    let parseFailed = false;
    const contentType = request.headers["content-type"] ?? "";
    if (contentType.startsWith("multipart/form-data")) {
      // Uploads, read with the platform's own parser (not the gateway's): fields as strings, files described.
      try {
        body = await multipartFields(raw, contentType);
      } catch {
        parseFailed = true;
      }
    } else if (text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
        parseFailed = true;
      }
    }
    const record: RecordedRequest = {
      method: request.method ?? "GET",
      path: request.url ?? "/",
      headers: request.headers,
      body,
      aborted: false,
    };
    requests.push(record);

    const closed = new AbortController();
    const exchange: Exchange = { request, response, record, closed: closed.signal, destroyedByServer: false };
    const onClose = (): void => {
      if (!response.writableFinished && !exchange.destroyedByServer && !closing) reportAbort(record);
      closed.abort();
    };
    // The client may already be gone while the body was being read.
    if (request.socket.destroyed) return onClose();
    response.on("close", onClose);
    response.setHeader("x-request-id", `req_fake${requests.length}`);

    const azureKeyAccepted =
      options.apiKey !== undefined &&
      record.path.startsWith(AZURE_DEPLOYMENTS) &&
      request.headers["api-key"] === options.apiKey;
    if (
      expectedAuthorization !== undefined &&
      request.headers.authorization !== expectedAuthorization &&
      !azureKeyAccepted
    ) {
      sendError(response, {
        status: 401,
        error: {
          message: "Incorrect API key provided.",
          type: "invalid_request_error",
          param: null,
          code: "invalid_api_key",
        },
      });
      return;
    }
    if (fake.down) {
      sendError(response, {
        status: 503,
        error: { message: "The server is overloaded.", type: "server_error", param: null, code: null },
      });
      return;
    }
    if (parseFailed) {
      sendError(response, invalidRequest("We could not parse the JSON body of your request.", null));
      return;
    }
    await route(exchange);
  }

  async function route(exchange: Exchange): Promise<void> {
    const { method } = exchange.record;
    const path = v1Path(exchange.record.path.split("?", 1)[0]!);
    if (method === "POST" && path === "/v1/chat/completions") return chat(exchange);
    if (method === "POST" && path === "/v1/completions") return textCompletion(exchange);
    if (method === "POST" && path === "/v1/embeddings") return embeddings(exchange);
    if (method === "POST" && path === "/v1/images/generations") return images(exchange);
    if (method === "POST" && path === "/v1/moderations") return moderations(exchange);
    if (method === "POST" && path === "/v1/audio/speech") return speech(exchange);
    if (method === "POST" && (path === "/v1/audio/transcriptions" || path === "/v1/audio/translations")) {
      return transcription(exchange);
    }
    if (method === "GET" && path === "/v1/models") {
      return sendJson(exchange.response, 200, { object: "list", data: knownModels.map(modelObject) });
    }
    if (method === "GET" && path.startsWith("/v1/models/")) {
      return sendJson(
        exchange.response,
        200,
        modelObject(decodeURIComponent(path.slice("/v1/models/".length))),
      );
    }
    sendError(exchange.response, {
      status: 404,
      error: {
        message: `Invalid URL (${method} ${path})`,
        type: "invalid_request_error",
        param: null,
        code: null,
      },
    });
  }

  async function chat(exchange: Exchange): Promise<void> {
    const body = exchange.record.body;
    const invalid = validateChatRequest(body);
    if (invalid || !isRecord(body)) {
      sendError(
        exchange.response,
        invalidRequest(invalid?.message ?? "Invalid body.", invalid?.param ?? null),
      );
      return;
    }
    const model = body.model as string;
    const fault = faultModeOf(model);
    if (!(await applyLeadingFault(exchange, fault))) return;

    const { answers, usage } = answerChat(body, nextToolCallId);
    const identity: ResponseIdentity = {
      id: `chatcmpl-fake${++responseCount}`,
      created: Math.floor(Date.now() / 1000),
      model,
    };
    if (body.stream !== true) {
      return sendAnswer(exchange, fault, toChatCompletion(identity, answers, usage));
    }
    const streamOptions = isRecord(body.stream_options) ? body.stream_options : {};
    const chunks = toChatChunks(identity, answers, usage, streamOptions.include_usage === true);
    await stream(exchange, fault, chunks);
  }

  async function textCompletion(exchange: Exchange): Promise<void> {
    const body = exchange.record.body;
    const invalid = validateTextCompletionRequest(body);
    if (invalid || !isRecord(body)) {
      sendError(
        exchange.response,
        invalidRequest(invalid?.message ?? "Invalid body.", invalid?.param ?? null),
      );
      return;
    }
    const model = body.model as string;
    const fault = faultModeOf(model);
    if (!(await applyLeadingFault(exchange, fault))) return;
    const identity: ResponseIdentity = {
      id: `cmpl-fake${++responseCount}`,
      created: Math.floor(Date.now() / 1000),
      model,
    };
    if (body.stream !== true) return sendAnswer(exchange, fault, toTextCompletion(identity, body));
    await stream(exchange, fault, toTextChunks(identity, body));
  }

  async function embeddings(exchange: Exchange): Promise<void> {
    const body = exchange.record.body;
    const model = isRecord(body) && typeof body.model === "string" ? body.model : "";
    const fault = faultModeOf(model);
    if (!(await applyLeadingFault(exchange, fault))) return;
    const result = answerEmbeddings(body);
    if (!result.ok) {
      sendError(exchange.response, invalidRequest(result.message, result.param));
      return;
    }
    await sendAnswer(exchange, fault, result.response);
  }

  /** One `url` image per `n` (default 1), the URL naming the prompt's index and the upstream model. */
  async function images(exchange: Exchange): Promise<void> {
    const body = exchange.record.body;
    if (!isRecord(body) || typeof body.prompt !== "string") {
      sendError(exchange.response, invalidRequest("prompt is required", "prompt"));
      return;
    }
    const model = typeof body.model === "string" ? body.model : "";
    const fault = faultModeOf(model);
    if (!(await applyLeadingFault(exchange, fault))) return;
    const n = typeof body.n === "number" ? body.n : 1;
    const data = Array.from({ length: n }, (_, index) => ({
      url: `https://images.fake/${encodeURIComponent(model)}/${index}.png`,
      revised_prompt: body.prompt,
    }));
    // gpt-image models report their tokens, as OpenAI's do: 50 in, 4,160 out per image.
    const usage = model.startsWith("gpt-image")
      ? { input_tokens: 50, output_tokens: 4160 * n, total_tokens: 50 + 4160 * n }
      : undefined;
    await sendAnswer(exchange, fault, { created: Math.floor(Date.now() / 1000), data, usage });
  }

  /** Flags an input when it holds the word "kill" (category violence), one result per input. */
  async function moderations(exchange: Exchange): Promise<void> {
    const body = exchange.record.body;
    const input = isRecord(body) ? body.input : undefined;
    const inputs = typeof input === "string" ? [input] : Array.isArray(input) ? input : undefined;
    if (!inputs) {
      sendError(exchange.response, invalidRequest("input is required", "input"));
      return;
    }
    const model = isRecord(body) && typeof body.model === "string" ? body.model : "omni-moderation-latest";
    const fault = faultModeOf(model);
    if (!(await applyLeadingFault(exchange, fault))) return;
    const results = inputs.map((text) => {
      const violent = String(text).includes("kill");
      return {
        flagged: violent,
        categories: { violence: violent, harassment: false },
        category_scores: { violence: violent ? 0.97 : 0.01, harassment: 0.01 },
      };
    });
    await sendAnswer(exchange, fault, { id: `modr-fake${++responseCount}`, model, results });
  }

  /** "Audio": the input's bytes 64 times over, sent in 8 writes, as `response_format`'s type (default mp3). */
  async function speech(exchange: Exchange): Promise<void> {
    const body = exchange.record.body;
    if (!isRecord(body) || typeof body.input !== "string") {
      sendError(exchange.response, invalidRequest("input is required", "input"));
      return;
    }
    const model = typeof body.model === "string" ? body.model : "";
    if (!(await applyLeadingFault(exchange, faultModeOf(model)))) return;
    const format = typeof body.response_format === "string" ? body.response_format : "mp3";
    const { response } = exchange;
    response.writeHead(200, { "content-type": format === "mp3" ? "audio/mpeg" : `audio/${format}` });
    for (const chunk of fakeSpeech(body.input)) response.write(chunk);
    response.end();
  }

  /**
   * Answers an upload as OpenAI does: `{text}` for json (the default),
   * the bare text for text, and verbose_json with the audio's duration —
   * here one second per 1,000 bytes of file, so tests can price it.
   */
  async function transcription(exchange: Exchange): Promise<void> {
    const body = exchange.record.body;
    const file = isRecord(body) ? body.file : undefined;
    if (!isRecord(body) || !isRecord(file)) {
      sendError(exchange.response, invalidRequest("file is required", "file"));
      return;
    }
    const model = typeof body.model === "string" ? body.model : "";
    if (!(await applyLeadingFault(exchange, faultModeOf(model)))) return;
    const text = `transcribed ${String(file.filename)} (${String(file.size)} bytes) by ${model}`;
    const format = typeof body.response_format === "string" ? body.response_format : "json";
    if (format === "text") {
      exchange.response.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      exchange.response.end(text);
      return;
    }
    const answer =
      format === "verbose_json"
        ? { task: "transcribe", language: "english", duration: Number(file.size) / 1000, text, segments: [] }
        : { text };
    sendJson(exchange.response, 200, answer);
  }

  /**
   * Faults that act before any answer: errors, waiting, hanging, resets.
   * Returns whether the fake should go on answering.
   */
  async function applyLeadingFault(exchange: Exchange, fault: FaultMode): Promise<boolean> {
    switch (fault.kind) {
      case "error":
        sendError(exchange.response, fault.error);
        return false;
      case "hang":
        return false; // The response closes when the client (or close()) ends the connection.
      case "reset":
        destroySocket(exchange);
        return false;
      case "slow":
        return pause(exchange, fault.delayMs);
      case "html-200":
        exchange.response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        exchange.response.end("<html><body><h1>502 Bad Gateway</h1></body></html>");
        return false;
      case "drip":
        await drip(exchange, fault.intervalMs);
        return false;
      default:
        return true;
    }
  }

  /** A non-streamed 200 answer, with the faults that apply to one. */
  async function sendAnswer(exchange: Exchange, fault: FaultMode, answer: unknown): Promise<void> {
    const { response } = exchange;
    switch (fault.kind) {
      case "slow-stream":
        if (!(await pause(exchange, fault.delayMs))) return;
        break;
      case "error-mid-stream":
        sendError(response, {
          status: 500,
          error: { message: "boom", type: "server_error", param: null, code: null },
        });
        return;
      case "malformed-sse":
        return sendMalformedEvents(response);
      case "empty-200":
        response.writeHead(200, { "content-type": "application/json", "content-length": 0 });
        response.end();
        return;
      case "reset-mid-stream": {
        const json = JSON.stringify(answer);
        response.writeHead(200, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(json),
        });
        response.write(json.slice(0, json.length >> 1));
        await yieldToEventLoop();
        destroySocket(exchange);
        return;
      }
    }
    sendJson(response, 200, answer);
  }

  /** Writes each chunk with its own `write` and yields, so clients see them arrive separately. */
  async function stream(exchange: Exchange, fault: FaultMode, chunks: unknown[]): Promise<void> {
    const { response } = exchange;
    if (fault.kind === "malformed-sse") return sendMalformedEvents(response);
    response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
    });
    if (fault.kind === "empty-200") {
      response.end();
      return;
    }
    // error-mid-stream sends at least the role and one content chunk before failing.
    const errorIndex = Math.min(3, chunks.length - 1);
    for (let index = 0; index < chunks.length; index++) {
      if (exchange.closed.aborted) return;
      if (fault.kind === "slow-stream" && index > 0 && !(await pause(exchange, fault.delayMs))) return;
      if (fault.kind === "reset-mid-stream" && index === 2) return destroySocket(exchange);
      if (fault.kind === "no-terminal" && index === 2) {
        response.end();
        return;
      }
      if (fault.kind === "error-mid-stream" && index === errorIndex) {
        response.end('data: {"error":{"message":"boom","type":"server_error","param":null,"code":null}}\n\n');
        return;
      }
      await writeEvent(exchange, JSON.stringify(chunks[index]));
    }
    if (exchange.closed.aborted) return;
    // The terminator and the end of the body go out separately, as they often
    // do from real servers: a client that stops reading at [DONE] then leaves
    // the body unfinished (and loses the connection).
    response.write("data: [DONE]\n\n");
    setImmediate(() => response.end());
  }

  async function writeEvent(exchange: Exchange, data: string): Promise<void> {
    if (!exchange.response.write(`data: ${data}\n\n`)) {
      await new Promise<void>((resolve) => {
        exchange.response.once("drain", resolve);
        exchange.closed.addEventListener("abort", () => resolve(), { once: true });
      });
    }
    await yieldToEventLoop();
  }

  /** 200, then one byte every `intervalMs` of a body that never completes, until the client leaves. */
  async function drip(exchange: Exchange, intervalMs: number): Promise<void> {
    const streaming = isRecord(exchange.record.body) && exchange.record.body.stream === true;
    exchange.response.writeHead(200, {
      "content-type": streaming ? "text/event-stream; charset=utf-8" : "application/json",
    });
    const text = streaming
      ? 'data: {"id":"chatcmpl-drip","object":"chat.completion.chunk"'
      : '{"id":"cmpl-drip"';
    for (let index = 0; ; index++) {
      exchange.response.write(text[index % text.length]!);
      if (!(await pause(exchange, intervalMs))) return;
    }
  }

  /** Waits `delayMs` on a timer; resolves false (and cancels the timer) if the client leaves first. */
  async function pause(exchange: Exchange, delayMs: number): Promise<boolean> {
    try {
      await wait(delayMs, undefined, { signal: exchange.closed });
      return true;
    } catch {
      return false;
    }
  }

  function destroySocket(exchange: Exchange): void {
    exchange.destroyedByServer = true;
    exchange.request.socket.destroy();
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  const fake: FakeOpenAI = {
    url: `${origin}/v1`,
    origin,
    requests,
    down: false,
    get connections() {
      return connections;
    },
    nextAbort() {
      const ready = unclaimedAborts.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve) => abortWaiters.push(resolve));
    },
    async close() {
      closing = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

const AZURE_DEPLOYMENTS = "/openai/deployments/";

/** Azure's `/openai/deployments/{name}/chat/completions` is served as `/v1/chat/completions`. */
function v1Path(path: string): string {
  if (!path.startsWith(AZURE_DEPLOYMENTS)) return path;
  const slash = path.indexOf("/", AZURE_DEPLOYMENTS.length);
  return slash === -1 ? path : `/v1${path.slice(slash)}`;
}

function modelObject(id: string): Record<string, unknown> {
  return { id, object: "model", created: 1_700_000_000, owned_by: "fake-openai" };
}

function invalidRequest(message: string, param: string | null): UpstreamError {
  return { status: 400, error: { message, type: "invalid_request_error", param, code: null } };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(json),
  });
  response.end(json);
}

function sendError(response: ServerResponse, upstreamError: UpstreamError): void {
  for (const [name, value] of Object.entries(upstreamError.headers ?? {})) response.setHeader(name, value);
  sendJson(response, upstreamError.status, { error: upstreamError.error });
}

function sendMalformedEvents(response: ServerResponse): void {
  response.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
  response.end("data: {not json\n\n");
}

/** The fake's audio for an input, in the writes it sends it in. */
export function fakeSpeech(input: string): Buffer[] {
  const piece = Buffer.from(input.repeat(8));
  return Array.from({ length: 8 }, () => piece);
}

/** A multipart body's fields: text as strings, files as {filename, size, type, sha256}. */
async function multipartFields(raw: Buffer, contentType: string): Promise<Record<string, unknown>> {
  const form = await new Response(raw, { headers: { "content-type": contentType } }).formData();
  const fields: Record<string, unknown> = {};
  for (const [name, value] of form.entries()) {
    if (typeof value === "string") fields[name] = value;
    else {
      const bytes = Buffer.from(await value.arrayBuffer());
      fields[name] = {
        filename: value.name,
        size: bytes.length,
        type: value.type,
        sha256: createHash("sha256").update(bytes).digest("hex"),
      };
    }
  }
  return fields;
}
