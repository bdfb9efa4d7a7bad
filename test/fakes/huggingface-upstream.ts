import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type {
  TextGenerationFinishReason,
  TextGenerationStreamEvent,
} from "../../src/wire/huggingface/text-generation-types.js";
import { answerChat, countWords, isRecord, validateChatRequest } from "./openai-chat-answer.js";
import { toChatChunks, toChatCompletion } from "./openai-chat-wire.js";
import type { RecordedRequest } from "./openai-upstream.js";

/**
 * A fake Hugging Face upstream on node:http (127.0.0.1, port 0) speaking
 * the real wire formats (protocols.md §6.6):
 *
 * - `POST …/v1/chat/completions` (any prefix, so `/v1` and a dedicated
 *   endpoint's `/<name>/v1` both work): the HF router / TGI Messages API,
 *   OpenAI-compatible, answered by the fake OpenAI's builders
 *   ("echo: <last user text>", JSON or SSE).
 * - `POST …/models/<org>/<model>`: the classic Inference API,
 *   `{inputs, parameters, stream?}` → `[{generated_text}]` (no details), or
 *   TGI-style events when `stream: true`. `return_full_text` defaults to
 *   true here, as on the real API.
 * - `POST …/generate` → `{generated_text, details}`, `POST …/generate_stream`
 *   → `data: {token, generated_text, details}` events.
 *
 * Text generation is derived from the input: the text is "echo: " followed
 * by the input's words joined by single spaces, one token per word (with
 * its leading space), ending with a special `</s>` token (`eos_token`).
 * `max_new_tokens` cuts it to that many tokens (`length`); a `stop`
 * sequence ends it right after the sequence, which stays in the text, as
 * TGI leaves it (`stop_sequence`).
 *
 * Any path or chat model containing `loading` answers
 * 503 `{"error":"Model is loading","estimated_time":20}`.
 */
export interface FakeHuggingFace {
  /** "http://127.0.0.1:PORT". */
  readonly origin: string;
  /** Every request received, in arrival order, with headers and parsed body. */
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface FakeHuggingFaceOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>`, else 401. */
  apiKey?: string;
}

/** One generated answer: its tokens as sent, and why it ended. */
export interface FakeGeneration {
  readonly tokens: ReadonlyArray<{ readonly text: string; readonly special: boolean }>;
  /** The text without special tokens (and without the prompt). */
  readonly text: string;
  readonly finishReason: TextGenerationFinishReason;
}

const wordPiecePattern = /\s*\S+/g;

/** What the fake generates for `inputs` under `parameters`; exported so tests can predict it. */
export function fakeGeneration(inputs: string, parameters: Record<string, unknown>): FakeGeneration {
  const words = inputs.match(/\S+/g) ?? [];
  const pieces = `echo: ${words.join(" ")}`.match(wordPiecePattern) ?? [];
  const maxTokens = typeof parameters.max_new_tokens === "number" ? parameters.max_new_tokens : undefined;
  const stop = Array.isArray(parameters.stop)
    ? parameters.stop.filter((entry): entry is string => typeof entry === "string" && entry !== "")
    : [];
  const tokens: { text: string; special: boolean }[] = [];
  let text = "";
  for (const piece of pieces) {
    if (maxTokens !== undefined && tokens.length >= maxTokens) {
      return { tokens, text, finishReason: "length" };
    }
    const before = text.length;
    text += piece;
    const end = stopEnd(text, stop, before);
    if (end !== undefined) {
      tokens.push({ text: piece.slice(0, end - before), special: false });
      return { tokens, text: text.slice(0, end), finishReason: "stop_sequence" };
    }
    tokens.push({ text: piece, special: false });
  }
  tokens.push({ text: "</s>", special: true });
  return { tokens, text, finishReason: "eos_token" };
}

/** Where the first stop sequence that ends within the newest piece ends, if any. */
function stopEnd(text: string, stop: readonly string[], newFrom: number): number | undefined {
  let earliest: number | undefined;
  for (const sequence of stop) {
    const at = text.indexOf(sequence, Math.max(0, newFrom - sequence.length + 1));
    if (at === -1) continue;
    const end = at + sequence.length;
    if (end > newFrom && (earliest === undefined || end < earliest)) earliest = end;
  }
  return earliest;
}

export async function startFakeHuggingFace(options: FakeHuggingFaceOptions = {}): Promise<FakeHuggingFace> {
  const requests: RecordedRequest[] = [];
  const expectedAuthorization = options.apiKey === undefined ? undefined : `Bearer ${options.apiKey}`;
  let toolCallCount = 0;
  let responseCount = 0;

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
    let body: unknown;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    const record: RecordedRequest = {
      method: request.method ?? "GET",
      path: request.url ?? "/",
      headers: request.headers,
      body,
      aborted: false,
    };
    requests.push(record);
    response.on("close", () => {
      if (!response.writableFinished) record.aborted = true;
    });

    if (expectedAuthorization !== undefined && request.headers.authorization !== expectedAuthorization) {
      return sendJson(response, 401, { error: "Invalid credentials in Authorization header" });
    }
    const path = record.path.split("?", 1)[0]!;
    if (record.method !== "POST") return sendJson(response, 404, { error: "Not Found" });
    if (path.endsWith("/v1/chat/completions")) return chat(body, response);
    if (path.includes("loading")) return modelLoading(response);
    if (path.includes("/models/")) return classic(body, response);
    if (path.endsWith("/generate")) return generate(body, response);
    if (path.endsWith("/generate_stream")) return generateStream(body, response);
    sendJson(response, 404, { error: "Not Found" });
  }

  async function chat(body: unknown, response: ServerResponse): Promise<void> {
    const invalid = validateChatRequest(body);
    if (invalid || !isRecord(body)) {
      return sendJson(response, 422, { error: invalid?.message ?? "Invalid body." });
    }
    const model = body.model as string;
    if (model.includes("loading")) return modelLoading(response);
    const { answers, usage } = answerChat(body, () => `call_${++toolCallCount}`);
    const identity = { id: `chatcmpl-hf${++responseCount}`, created: Math.floor(Date.now() / 1000), model };
    if (body.stream !== true) return sendJson(response, 200, toChatCompletion(identity, answers, usage));
    const streamOptions = isRecord(body.stream_options) ? body.stream_options : {};
    const chunks = toChatChunks(identity, answers, usage, streamOptions.include_usage === true);
    startEvents(response);
    for (const chunk of chunks) await writeEvent(response, chunk);
    response.end("data: [DONE]\n\n");
  }

  async function classic(body: unknown, response: ServerResponse): Promise<void> {
    const request = textGenerationRequest(body);
    if (request === undefined) return sendJson(response, 422, { error: "Input should be a valid string" });
    const generation = fakeGeneration(request.inputs, request.parameters);
    if (body !== undefined && isRecord(body) && body.stream === true) {
      return streamGeneration(response, request.inputs, generation);
    }
    const fullText = request.parameters.return_full_text !== false;
    sendJson(response, 200, [
      { generated_text: fullText ? request.inputs + generation.text : generation.text },
    ]);
  }

  function generate(body: unknown, response: ServerResponse): void {
    const request = textGenerationRequest(body);
    if (request === undefined) {
      sendJson(response, 422, { error: "Input should be a valid string" });
      return;
    }
    const generation = fakeGeneration(request.inputs, request.parameters);
    const fullText = request.parameters.return_full_text === true;
    const answer: Record<string, unknown> = {
      generated_text: fullText ? request.inputs + generation.text : generation.text,
    };
    if (request.parameters.details === true) {
      answer.details = {
        finish_reason: generation.finishReason,
        generated_tokens: generation.tokens.length,
        seed: null,
        prefill: [],
        tokens: generation.tokens.map((token, id) => ({
          id,
          text: token.text,
          logprob: -0.5,
          special: token.special,
        })),
      };
    }
    sendJson(response, 200, answer);
  }

  async function generateStream(body: unknown, response: ServerResponse): Promise<void> {
    const request = textGenerationRequest(body);
    if (request === undefined) return sendJson(response, 422, { error: "Input should be a valid string" });
    await streamGeneration(response, request.inputs, fakeGeneration(request.inputs, request.parameters));
  }

  /** TGI's event sequence: one event per token; the last adds generated_text and details. */
  async function streamGeneration(response: ServerResponse, inputs: string, generation: FakeGeneration) {
    startEvents(response);
    const last = generation.tokens.length - 1;
    for (let index = 0; index <= last; index++) {
      const token = generation.tokens[index]!;
      const event: TextGenerationStreamEvent = {
        index,
        token: { id: index, text: token.text, logprob: -0.5, special: token.special },
        generated_text: index === last ? generation.text : null,
        details:
          index === last
            ? {
                finish_reason: generation.finishReason,
                generated_tokens: generation.tokens.length,
                input_length: countWords(inputs),
                seed: null,
              }
            : null,
      };
      await writeEvent(response, event);
    }
    response.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function textGenerationRequest(
  body: unknown,
): { inputs: string; parameters: Record<string, unknown> } | undefined {
  if (!isRecord(body) || typeof body.inputs !== "string") return undefined;
  return { inputs: body.inputs, parameters: isRecord(body.parameters) ? body.parameters : {} };
}

function modelLoading(response: ServerResponse): void {
  sendJson(response, 503, { error: "Model is loading", estimated_time: 20 });
}

function startEvents(response: ServerResponse): void {
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
  });
}

/** Each event gets its own write and a turn of the event loop, so clients see them arrive separately. */
async function writeEvent(response: ServerResponse, event: unknown): Promise<void> {
  if (response.destroyed) return;
  response.write(`data: ${JSON.stringify(event)}\n\n`);
  await yieldToEventLoop();
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(json),
  });
  response.end(json);
}
