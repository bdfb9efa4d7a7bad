import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";

/**
 * A fake Google upstream on node:http (127.0.0.1, port 0) speaking the
 * Gemini API as Google AI Studio and Vertex AI serve it:
 *
 * | path                                                                    | host      |
 * |-------------------------------------------------------------------------|-----------|
 * | `/v1beta/models/{model}:generateContent`, `:streamGenerateContent?alt=sse`, `:embedContent`, `:batchEmbedContents` | AI Studio (`x-goog-api-key`) |
 * | `/v1/projects/{p}/locations/{l}/publishers/google/models/{model}:generateContent`, `:streamGenerateContent?alt=sse`, `:predict` | Vertex AI (`Authorization: Bearer`) |
 * | `/v1/projects/{p}/locations/{l}/publishers/anthropic/models/{model}:rawPredict`, `:streamRawPredict` | Claude on Vertex AI |
 *
 * Claude calls are checked for Vertex's body rules (no `model`,
 * `anthropic_version: vertex-2023-10-16`) and then answered by a fake
 * Anthropic upstream (`anthropicUrl`), with the model from the URL put back.
 *
 * Gemini requests are checked as the API checks them: unknown top-level
 * fields are rejected ("Invalid JSON payload received. Unknown name"),
 * roles are `user`/`model`, each part holds one datum, a `functionResponse`
 * names a function the model called. Answers follow the other fakes:
 * a last user turn holding a functionResponse → `"tool said: " +
 * response.content`; tools offered (mode not NONE) → one functionCall of the
 * first tool with args `{"query": <last user text>}`; else `"echo: " + <last
 * user text>`. Streams send the text a word per event, then an event with
 * `finishReason` and `usageMetadata`. Token counts are word counts.
 *
 * Failures and special answers by model name:
 *
 * | model             | behaviour                                                                  |
 * |-------------------|----------------------------------------------------------------------------|
 * | `error-429`       | 429 RESOURCE_EXHAUSTED with a RetryInfo `retryDelay: "2s"` (no header)      |
 * | `error-context`   | 400 INVALID_ARGUMENT "The input token count (…) exceeds the maximum …"     |
 * | `error-500`       | 500 INTERNAL                                                               |
 * | `safety-block`    | a candidate with finishReason SAFETY and no content                        |
 * | `prompt-blocked`  | no candidates, `promptFeedback.blockReason: SAFETY`                        |
 * | `thinking`        | a thought part first; usage with thoughtsTokenCount 7, cachedContentTokenCount 3; function calls carry a `thoughtSignature`, which must come back with them (400 otherwise, as Gemini 3 answers) |
 * | `error-mid-stream`| stream: one text event, then an error event                                |
 *
 * A wrong key is answered like Google: AI Studio 400 INVALID_ARGUMENT with
 * reason API_KEY_INVALID, Vertex 401 UNAUTHENTICATED.
 */
export interface FakeGemini {
  /** "http://127.0.0.1:PORT". */
  readonly origin: string;
  readonly requests: RecordedGeminiRequest[];
  close(): Promise<void>;
}

export interface RecordedGeminiRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface FakeGeminiOptions {
  /** AI Studio calls must carry `x-goog-api-key: <apiKey>`. */
  apiKey?: string;
  /** Vertex calls must carry `Authorization: Bearer <t>` with `validToken(t)`. */
  validToken?: (token: string) => boolean;
  /** A fake Anthropic upstream's URL, for Claude on Vertex. */
  anthropicUrl?: string;
}

type Json = Record<string, unknown>;

const studioPath = /^\/v1beta\/models\/([^/:]+):(\w+)$/;
const vertexPath =
  /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/(google|anthropic)\/models\/([^/:]+):(\w+)$/;
const requestKeys = new Set([
  "contents",
  "systemInstruction",
  "tools",
  "toolConfig",
  "generationConfig",
  "safetySettings",
  "cachedContent",
  "labels",
]);
const partKeys = new Set(["text", "inlineData", "fileData", "functionCall", "functionResponse"]);
const wordPattern = /\S+/g;

export async function startFakeGemini(options: FakeGeminiOptions = {}): Promise<FakeGemini> {
  const requests: RecordedGeminiRequest[] = [];
  let responses = 0;

  const server = createServer({ noDelay: true }, (request, response) => {
    void receive(request, response);
  });

  async function receive(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const parts: Buffer[] = [];
    try {
      for await (const part of request) parts.push(part as Buffer);
    } catch {
      return;
    }
    const text = Buffer.concat(parts).toString("utf8");
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Answered with a 400 below.
    }
    const path = request.url ?? "/";
    requests.push({ method: request.method ?? "GET", path, headers: request.headers, body });
    const [pathname, query = ""] = path.split("?", 2) as [string, string?];
    const studio = studioPath.exec(pathname);
    const vertex = vertexPath.exec(pathname);
    if (request.method !== "POST" || (studio === null && vertex === null)) {
      return sendError(response, 404, "NOT_FOUND", `Requested entity was not found: ${pathname}`);
    }
    if (studio !== null) {
      if (options.apiKey !== undefined && request.headers["x-goog-api-key"] !== options.apiKey) {
        return sendError(
          response,
          400,
          "INVALID_ARGUMENT",
          "API key not valid. Please pass a valid API key.",
          [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID" }],
        );
      }
    } else {
      const bearer = /^Bearer (.+)$/.exec(String(request.headers.authorization ?? ""));
      if (bearer === null || !(options.validToken?.(bearer[1]!) ?? false)) {
        return sendError(
          response,
          401,
          "UNAUTHENTICATED",
          "Request had invalid authentication credentials. Expected OAuth 2 access token.",
        );
      }
    }
    if (typeof body !== "object" || body === null) {
      return sendError(response, 400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
    }
    const model = (studio?.[1] ?? vertex?.[4])!;
    const method = (studio?.[2] ?? vertex?.[5])!;
    if (vertex?.[3] === "anthropic") return forwardToAnthropic(body as Json, model, method, response);
    switch (method) {
      case "generateContent":
      case "streamGenerateContent":
        break;
      case "embedContent":
      case "batchEmbedContents":
        if (studio === null) return sendError(response, 404, "NOT_FOUND", "Method not found.");
        return sendJson(response, 200, embed(body as Json, method));
      case "predict":
        if (vertex === null) return sendError(response, 404, "NOT_FOUND", "Method not found.");
        return sendJson(response, 200, predict(body as Json));
      default:
        return sendError(response, 404, "NOT_FOUND", "Method not found.");
    }
    const stream = method === "streamGenerateContent";
    if (stream && query !== "alt=sse") {
      return sendError(response, 400, "INVALID_ARGUMENT", "this fake only streams with alt=sse");
    }
    const problem = validate(body as Json, model === "thinking");
    if (problem !== undefined) return sendError(response, 400, "INVALID_ARGUMENT", problem);
    const failure = failures[model];
    if (failure !== undefined) return failure(response);
    const responseId = `fake-response-${++responses}`;
    const answer = answerOf(body as Json, model);
    if (!stream) return sendJson(response, 200, { ...answer.whole, responseId, modelVersion: model });
    response.writeHead(200, { "content-type": "text/event-stream" });
    for (const [index, event] of answer.events.entries()) {
      if (model === "error-mid-stream" && index === 1) {
        const error = errorBody(500, "INTERNAL", "Internal error encountered.");
        response.end(`data: ${JSON.stringify(error)}\r\n\r\n`);
        return;
      }
      // Google frames events with CRLF line ends.
      response.write(`data: ${JSON.stringify({ ...event, responseId, modelVersion: model })}\r\n\r\n`);
      await yieldToEventLoop();
    }
    response.end();
  }

  async function forwardToAnthropic(body: Json, model: string, method: string, response: ServerResponse) {
    if (method !== "rawPredict" && method !== "streamRawPredict") {
      return sendError(response, 404, "NOT_FOUND", "Method not found.");
    }
    if ("model" in body)
      return sendError(response, 400, "INVALID_ARGUMENT", "model: Extra inputs are not permitted");
    if (body.anthropic_version !== "vertex-2023-10-16") {
      return sendError(response, 400, "INVALID_ARGUMENT", "anthropic_version: vertex-2023-10-16 is required");
    }
    if ((method === "streamRawPredict") !== (body.stream === true)) {
      return sendError(response, 400, "INVALID_ARGUMENT", "stream must match the method");
    }
    const { anthropic_version: _version, ...rest } = body;
    const upstream = await fetch(`${options.anthropicUrl}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ ...rest, model }),
    });
    response.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "" });
    response.end(Buffer.from(await upstream.arrayBuffer()));
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

const failures: Record<string, (response: ServerResponse) => void> = {
  "error-429": (response) =>
    sendError(response, 429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).", [
      { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "2s" },
    ]),
  "error-context": (response) =>
    sendError(
      response,
      400,
      "INVALID_ARGUMENT",
      "The input token count (1048577) exceeds the maximum number of tokens allowed (1048576).",
    ),
  "error-500": (response) => sendError(response, 500, "INTERNAL", "Internal error encountered."),
};

/** What the real API rejects with a 400, as its message; undefined when the body is fine. */
function validate(body: Json, signedCalls: boolean): string | undefined {
  for (const key of Object.keys(body)) {
    if (!requestKeys.has(key))
      return `Invalid JSON payload received. Unknown name "${key}": Cannot find field.`;
  }
  if (!Array.isArray(body.contents) || body.contents.length === 0)
    return "* contents: contents is not specified";
  const called = new Set<string>();
  for (const [index, content] of body.contents.entries()) {
    if (!isRecord(content) || (content.role !== "user" && content.role !== "model")) {
      return `* contents[${index}].role: Please use a valid role: user, model.`;
    }
    if (!Array.isArray(content.parts) || content.parts.length === 0) {
      return `* contents[${index}].parts: contents.parts must not be empty.`;
    }
    for (const part of content.parts) {
      const keys = isRecord(part) ? Object.keys(part).filter((key) => partKeys.has(key)) : [];
      if (keys.length !== 1) return `* contents[${index}].parts: each part must hold exactly one datum`;
      const record = part as Json;
      if (isRecord(record.functionCall)) {
        called.add(String(record.functionCall.name));
        if (signedCalls && typeof record.thoughtSignature !== "string") {
          return `Function call is missing a thought_signature in functionCall parts. contents[${index}]`;
        }
      }
      if (isRecord(record.functionResponse) && !called.has(String(record.functionResponse.name))) {
        return `* contents[${index}]: functionResponse names a function that was not called`;
      }
    }
  }
  const system = body.systemInstruction;
  if (system !== undefined && (!isRecord(system) || !Array.isArray(system.parts))) {
    return "* systemInstruction: expected Content";
  }
  return undefined;
}

interface GeminiAnswer {
  whole: Json;
  events: Json[];
}

function answerOf(body: Json, model: string): GeminiAnswer {
  const contents = body.contents as Json[];
  let promptTokens = countWords(textOf(body.systemInstruction));
  let lastUserText = "";
  for (const content of contents) {
    promptTokens += countWords(textOf(content));
    if (content.role === "user") {
      const text = textOf(content);
      if (text !== "") lastUserText = text;
    }
  }
  const lastParts = (contents.at(-1)!.parts as Json[]).filter(isRecord);
  const toolResult = lastParts
    .map((part) => part.functionResponse)
    .filter(isRecord)
    .at(-1);
  const declarations = Array.isArray(body.tools)
    ? body.tools
        .filter(isRecord)
        .flatMap((tool) => (Array.isArray(tool.functionDeclarations) ? tool.functionDeclarations : []))
    : [];
  const mode =
    isRecord(body.toolConfig) && isRecord(body.toolConfig.functionCallingConfig)
      ? body.toolConfig.functionCallingConfig.mode
      : "AUTO";
  const usage = (candidates: number, extra: Json = {}) => ({
    promptTokenCount: promptTokens,
    candidatesTokenCount: candidates,
    totalTokenCount: promptTokens + candidates + Number(extra.thoughtsTokenCount ?? 0),
    ...extra,
  });

  if (model === "prompt-blocked") {
    const whole = { promptFeedback: { blockReason: "SAFETY" }, usageMetadata: usage(0) };
    return { whole, events: [whole] };
  }
  if (model === "safety-block") {
    const candidate = {
      finishReason: "SAFETY",
      index: 0,
      safetyRatings: [{ category: "HARM_CATEGORY_DANGEROUS_CONTENT", probability: "HIGH", blocked: true }],
    };
    const whole = { candidates: [candidate], usageMetadata: usage(0) };
    return { whole, events: [whole] };
  }
  if (toolResult === undefined && declarations.length > 0 && mode !== "NONE") {
    const name = String((declarations[0] as Json).name);
    const args = { query: lastUserText };
    const call: Json = { functionCall: { name, args } };
    if (model === "thinking") call.thoughtSignature = "c2lnbmVkLXRob3VnaHQ=";
    const candidate = {
      content: { role: "model", parts: [call] },
      finishReason: "STOP",
      index: 0,
    };
    const whole = { candidates: [candidate], usageMetadata: usage(countWords(JSON.stringify(args))) };
    return { whole, events: [whole] };
  }
  const text =
    toolResult !== undefined
      ? `tool said: ${String((toolResult.response as Json)?.content ?? "")}`
      : `echo: ${lastUserText}`;
  const thinking = model === "thinking";
  const extra: Json = thinking ? { thoughtsTokenCount: 7, cachedContentTokenCount: 3 } : {};
  const completionTokens = countWords(text);
  const thought = { text: "Considering the question.", thought: true };
  const whole = {
    candidates: [
      {
        content: { role: "model", parts: thinking ? [thought, { text }] : [{ text }] },
        finishReason: "STOP",
        index: 0,
      },
    ],
    usageMetadata: usage(completionTokens, extra),
  };
  const pieces = text.match(/\s*\S+/g) ?? [];
  const events: Json[] = pieces.map((piece, index) => ({
    candidates: [{ content: { role: "model", parts: [{ text: piece }] }, index: 0 }],
    usageMetadata: { promptTokenCount: promptTokens, totalTokenCount: promptTokens + index },
  }));
  if (thinking) events.unshift({ candidates: [{ content: { role: "model", parts: [thought] }, index: 0 }] });
  events.push({
    candidates: [{ content: { role: "model", parts: [{ text: "" }] }, finishReason: "STOP", index: 0 }],
    usageMetadata: usage(completionTokens, extra),
  });
  return { whole, events };
}

/** A deterministic vector per text: different texts, different vectors. */
function vectorOf(text: string, dimensions = 8): number[] {
  const values: number[] = [];
  for (let index = 0; index < dimensions; index++) {
    values.push(((text.charCodeAt(index % Math.max(text.length, 1)) || 1) * (index + 1)) / 1000);
  }
  return values;
}

function embed(body: Json, method: string): Json {
  const one = (request: Json) => ({
    values: vectorOf(textOf(request.content), Number(request.outputDimensionality ?? 8)),
  });
  if (method === "embedContent") return { embedding: one(body) };
  const list = Array.isArray(body.requests) ? body.requests.filter(isRecord) : [];
  return { embeddings: list.map(one) };
}

function predict(body: Json): Json {
  const instances = Array.isArray(body.instances) ? body.instances.filter(isRecord) : [];
  const dimensions = isRecord(body.parameters) ? Number(body.parameters.outputDimensionality ?? 8) : 8;
  return {
    predictions: instances.map((instance) => ({
      embeddings: {
        values: vectorOf(String(instance.content), dimensions),
        statistics: { token_count: countWords(String(instance.content)), truncated: false },
      },
    })),
  };
}

/** The text parts of a Content (or a system instruction), joined by spaces; thoughts left out. */
function textOf(content: unknown): string {
  if (!isRecord(content) || !Array.isArray(content.parts)) return "";
  return content.parts
    .filter((part): part is Json => isRecord(part) && typeof part.text === "string" && part.thought !== true)
    .map((part) => part.text as string)
    .join(" ");
}

function countWords(text: string): number {
  return text.match(wordPattern)?.length ?? 0;
}

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function errorBody(code: number, status: string, message: string, details?: Json[]): Json {
  return { error: { code, message, status, ...(details && { details }) } };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
  response.end(json);
}

function sendError(
  response: ServerResponse,
  code: number,
  status: string,
  message: string,
  details?: Json[],
) {
  sendJson(response, code, errorBody(code, status, message, details));
}
