import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { countWords, isRecord } from "./openai-chat-answer.js";
import { fakeEmbedding } from "./openai-embedding.js";

/**
 * A fake Cohere v2 API on node:http (127.0.0.1, port 0) speaking the real
 * wire format (docs.cohere.com/reference): `POST /v2/chat` (JSON, or SSE
 * with `event: message-start | content-start | content-delta | content-end
 * | tool-plan-delta | tool-call-start | tool-call-delta | tool-call-end |
 * message-end`), `/v2/embed`, `/v2/rerank`; bearer-key auth; errors as
 * `{"id","message"}` with the status.
 *
 * It rejects what Cohere rejects and the gateway must translate: OpenAI's
 * `top_p`/`stop`/`n` names, `content: null` on assistant turns, tool turns
 * without `tool_call_id`, embed without `input_type`.
 *
 * Chat answers: last message a tool result → "tool said: <content>"; tools
 * offered and the last message is the user's → one tool call of the first
 * tool with `{"query": <text>}` (after a tool plan); otherwise "echo:
 * <last user text>". Tokens are words. Rerank scores a document by the
 * share of the query's words it contains.
 *
 * | model         | behaviour                                               |
 * |---------------|---------------------------------------------------------|
 * | `error-429`   | 429 "You are using a Trial key, which is limited to …"  |
 * | `error-context` | 400 "too many tokens: …"                               |
 */
export interface FakeCohere {
  /** "http://127.0.0.1:PORT", the `api_base`. */
  readonly url: string;
  readonly requests: RecordedCohereRequest[];
  close(): Promise<void>;
}

export interface RecordedCohereRequest {
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
}

type Json = Record<string, unknown>;

export async function startFakeCohere(options: { apiKey: string }): Promise<FakeCohere> {
  const requests: RecordedCohereRequest[] = [];
  let callCount = 0;

  const server = createServer({ noDelay: true }, (request, response) => {
    void receive(request, response).catch(() => response.destroy());
  });

  async function receive(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const parts: Buffer[] = [];
    for await (const part of request) parts.push(part as Buffer);
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(parts).toString("utf8"));
    } catch {
      return sendError(response, 400, "invalid request: body is not valid JSON");
    }
    const path = request.url ?? "/";
    requests.push({ path, headers: request.headers, body });
    if (request.headers.authorization !== `Bearer ${options.apiKey}`) {
      return sendError(response, 401, "invalid api token");
    }
    if (!isRecord(body) || typeof body.model !== "string")
      return sendError(response, 400, "invalid request: model is required");
    if (body.model === "error-429") {
      return sendError(
        response,
        429,
        "You are using a Trial key, which is limited to 10 API calls / minute.",
      );
    }
    if (body.model === "error-context") {
      return sendError(
        response,
        400,
        "too many tokens: total number of tokens in the prompt cannot exceed 4081 - received 5120.",
      );
    }
    switch (path) {
      case "/v2/chat":
        return chat(response, body);
      case "/v2/embed":
        return embed(response, body);
      case "/v2/rerank":
        return rerank(response, body);
      default:
        return sendError(response, 404, `path ${path} not found`);
    }
  }

  async function chat(response: ServerResponse, body: Json): Promise<void> {
    for (const name of ["top_p", "stop", "n", "max_completion_tokens"]) {
      if (name in body)
        return sendError(
          response,
          400,
          `invalid request: unknown field: parameter ${name} is not a valid field`,
        );
    }
    const messages = Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
    if (messages.length === 0) return sendError(response, 400, "invalid request: messages must not be empty");
    for (const [index, message] of messages.entries()) {
      if (!["system", "user", "assistant", "tool"].includes(String(message.role))) {
        return sendError(response, 400, `invalid request: messages[${index}].role is invalid`);
      }
      if ("content" in message && message.content === null) {
        return sendError(response, 400, `invalid request: messages[${index}].content must not be null`);
      }
      if (message.role === "tool" && typeof message.tool_call_id !== "string") {
        return sendError(response, 400, `invalid request: messages[${index}].tool_call_id is required`);
      }
    }
    const id = randomUUID();
    const last = messages[messages.length - 1]!;
    const lastUser = [...messages].reverse().find((message) => message.role === "user");
    const userText = textOf(lastUser?.content);
    const tools = Array.isArray(body.tools) ? body.tools.filter(isRecord) : [];
    const promptTokens = countWords(JSON.stringify(messages));
    let text: string | undefined;
    let toolCall: { id: string; name: string; arguments: string } | undefined;
    if (last.role === "tool") text = `tool said: ${textOf(last.content)}`;
    else if (tools.length > 0 && body.tool_choice !== "NONE" && isRecord(tools[0]!.function)) {
      toolCall = {
        id: `${tools[0]!.function.name}_fake${++callCount}`,
        name: String(tools[0]!.function.name),
        arguments: JSON.stringify({ query: userText }),
      };
    } else text = `echo: ${userText}`;
    const outputTokens = countWords(text ?? toolCall!.arguments);
    const usage = {
      billed_units: { input_tokens: promptTokens, output_tokens: outputTokens },
      tokens: { input_tokens: promptTokens + 7, output_tokens: outputTokens },
    };
    const finishReason = toolCall ? "TOOL_CALL" : "COMPLETE";
    const plan = "I will look this up.";
    if (body.stream !== true) {
      return sendJson(response, 200, {
        id,
        finish_reason: finishReason,
        message: {
          role: "assistant",
          ...(text !== undefined && { content: [{ type: "text", text }] }),
          ...(toolCall && {
            tool_plan: plan,
            tool_calls: [
              {
                id: toolCall.id,
                type: "function",
                function: { name: toolCall.name, arguments: toolCall.arguments },
              },
            ],
          }),
        },
        usage,
      });
    }
    const events: Json[] = [
      {
        type: "message-start",
        id,
        delta: { message: { role: "assistant", content: [], tool_plan: "", tool_calls: [], citations: [] } },
      },
    ];
    if (toolCall) {
      events.push({ type: "tool-plan-delta", delta: { message: { tool_plan: plan } } });
      events.push({
        type: "tool-call-start",
        index: 0,
        delta: {
          message: {
            tool_calls: {
              id: toolCall.id,
              type: "function",
              function: { name: toolCall.name, arguments: "" },
            },
          },
        },
      });
      const half = Math.floor(toolCall.arguments.length / 2);
      for (const fragment of [toolCall.arguments.slice(0, half), toolCall.arguments.slice(half)]) {
        events.push({
          type: "tool-call-delta",
          index: 0,
          delta: { message: { tool_calls: { function: { arguments: fragment } } } },
        });
      }
      events.push({ type: "tool-call-end", index: 0 });
    } else {
      events.push({
        type: "content-start",
        index: 0,
        delta: { message: { content: { type: "text", text: "" } } },
      });
      for (const piece of text!.match(/\s*\S+/g) ?? []) {
        events.push({ type: "content-delta", index: 0, delta: { message: { content: { text: piece } } } });
      }
      events.push({ type: "content-end", index: 0 });
    }
    events.push({ type: "message-end", delta: { finish_reason: finishReason, usage } });
    response.writeHead(200, { "content-type": "text/event-stream" });
    for (const event of events) {
      if (response.destroyed) return;
      response.write(`event: ${event.type as string}\ndata: ${JSON.stringify(event)}\n\n`);
      await yieldToEventLoop();
    }
    response.end();
  }

  function embed(response: ServerResponse, body: Json) {
    const texts = Array.isArray(body.texts) ? body.texts.map(String) : [];
    if (texts.length === 0) return sendError(response, 400, "invalid request: texts must not be empty");
    if (typeof body.input_type !== "string") {
      return sendError(
        response,
        400,
        "invalid request: valid input_type must be provided with the provided model",
      );
    }
    const dimensions = typeof body.output_dimension === "number" ? body.output_dimension : 8;
    return sendJson(response, 200, {
      id: randomUUID(),
      embeddings: { float: texts.map((text) => fakeEmbedding(text, dimensions)) },
      texts,
      meta: {
        api_version: { version: "2" },
        billed_units: { input_tokens: texts.reduce((sum, text) => sum + countWords(text), 0) },
      },
    });
  }

  function rerank(response: ServerResponse, body: Json) {
    const documents = Array.isArray(body.documents) ? body.documents : [];
    if (
      typeof body.query !== "string" ||
      documents.length === 0 ||
      !documents.every((doc) => typeof doc === "string")
    ) {
      return sendError(response, 400, "invalid request: query and a list of string documents are required");
    }
    const queryWords = new Set(body.query.toLowerCase().match(/\w+/g) ?? []);
    const results = (documents as string[])
      .map((document, index) => {
        const words = new Set(document.toLowerCase().match(/\w+/g) ?? []);
        const shared = [...queryWords].filter((word) => words.has(word)).length;
        return { index, relevance_score: queryWords.size === 0 ? 0 : shared / queryWords.size };
      })
      .sort((a, b) => b.relevance_score - a.relevance_score || a.index - b.index)
      .slice(0, typeof body.top_n === "number" ? body.top_n : undefined);
    return sendJson(response, 200, {
      id: randomUUID(),
      results,
      meta: { api_version: { version: "2" }, billed_units: { search_units: 1 } },
    });
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

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter(isRecord)
    .map((part) => (typeof part.text === "string" ? part.text : ""))
    .filter((text) => text !== "")
    .join(" ");
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

function sendError(response: ServerResponse, status: number, message: string): void {
  sendJson(response, status, { id: randomUUID(), message });
}
