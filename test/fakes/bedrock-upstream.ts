import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { EventStreamCodec } from "@smithy/core/event-streams";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { countWords, isRecord } from "./openai-chat-answer.js";
import { fakeEmbedding } from "./openai-embedding.js";

/**
 * A fake Bedrock runtime on node:http (127.0.0.1, port 0), speaking the real
 * wire format (docs.aws.amazon.com/bedrock/latest/APIReference):
 * `POST /model/{modelId}/converse` (JSON), `/converse-stream`
 * (`application/vnd.amazon.eventstream` frames, encoded with AWS's codec,
 * one frame split across two writes so readers must reassemble), and
 * `/invoke` for Titan and Cohere embedding models. Errors are AWS's:
 * status, `x-amzn-errortype` header, `{"message"}` body.
 *
 * Every request's SigV4 signature is VERIFIED: the fake recomputes it with
 * AWS's signer from the secret key, the received method, path, signed
 * headers and body (so a wrong body hash fails too) and compares it with
 * the Authorization header; a mismatch is InvalidSignatureException, an
 * unknown access key UnrecognizedClientException (both 403, as AWS).
 *
 * Answers (Converse shape): last user turn holds a `toolResult` → text
 * "tool said: <its text>"; tools offered and the last user turn is text →
 * one `toolUse` of the first tool with input `{"query": <text>}`;
 * otherwise text "echo: <last user text>". Tokens are words.
 *
 * | model id          | behaviour                                                     |
 * |-------------------|---------------------------------------------------------------|
 * | `error-throttle`  | 429 ThrottlingException "Too many requests, please wait…"     |
 * | `error-context`   | 400 ValidationException "Input is too long for requested model." |
 * | `error-denied`    | 403 AccessDeniedException                                     |
 * | `error-mid-stream`| stream: messageStart, one delta, then a throttlingException frame |
 */
export interface FakeBedrock {
  /** "http://127.0.0.1:PORT", for `aws_bedrock_runtime_endpoint`. */
  readonly url: string;
  readonly requests: RecordedBedrockRequest[];
  close(): Promise<void>;
}

export interface RecordedBedrockRequest {
  readonly path: string;
  /** The model id, URL-decoded from the path. */
  readonly modelId: string;
  readonly operation: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
}

export interface FakeBedrockOptions {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly region: string;
}

type Json = Record<string, unknown>;

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const pathPattern = /^\/model\/([^/]+)\/(converse|converse-stream|invoke)$/;
const authorizationPattern =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/;

export async function startFakeBedrock(options: FakeBedrockOptions): Promise<FakeBedrock> {
  const requests: RecordedBedrockRequest[] = [];
  const signer = new SignatureV4({
    service: "bedrock",
    region: options.region,
    credentials: {
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      ...(options.sessionToken !== undefined && { sessionToken: options.sessionToken }),
    },
    sha256: Hash.bind(null, "sha256"),
  });
  let toolUseCount = 0;

  const server = createServer({ noDelay: true }, (request, response) => {
    void receive(request, response).catch(() => response.destroy());
  });

  async function receive(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const parts: Buffer[] = [];
    for await (const part of request) parts.push(part as Buffer);
    const text = Buffer.concat(parts).toString("utf8");
    const path = request.url ?? "/";
    response.setHeader("x-amzn-requestid", `req-fake-${requests.length + 1}`);
    const match = pathPattern.exec(path);
    if (request.method !== "POST" || match === null) {
      return sendError(response, 404, "UnknownOperationException", "Unknown operation");
    }
    const authProblem = await verifySignature(request, path, text);
    if (authProblem !== undefined) return sendError(response, 403, authProblem.type, authProblem.message);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return sendError(
        response,
        400,
        "ValidationException",
        "Malformed input request, please reformat your input and try again.",
      );
    }
    const modelId = decodeURIComponent(match[1]!);
    const operation = match[2]!;
    requests.push({ path, modelId, operation, headers: request.headers, body });

    if (modelId === "error-throttle") {
      return sendError(
        response,
        429,
        "ThrottlingException",
        "Too many requests, please wait before trying again.",
      );
    }
    if (modelId === "error-context") {
      return sendError(response, 400, "ValidationException", "Input is too long for requested model.");
    }
    if (modelId === "error-denied") {
      return sendError(
        response,
        403,
        "AccessDeniedException",
        "You don't have access to the model with the specified model ID.",
      );
    }
    if (operation === "invoke") return invoke(response, modelId, body);
    const problem = validateConverse(body);
    if (problem !== undefined) return sendError(response, 400, "ValidationException", problem);
    const answer = answerOf(body as Json, () => `tooluse_fake${++toolUseCount}`);
    if (operation === "converse") {
      return sendJson(response, 200, {
        output: { message: { role: "assistant", content: [answer.block] } },
        stopReason: answer.stopReason,
        usage: answer.usage,
        metrics: { latencyMs: 12 },
      });
    }
    response.writeHead(200, { "content-type": "application/vnd.amazon.eventstream" });
    const frames = streamEvents(answer).map(([eventType, payload]) => eventFrame(eventType, payload));
    for (let index = 0; index < frames.length; index++) {
      if (response.destroyed) return;
      if (modelId === "error-mid-stream" && index === 2) {
        response.end(
          exceptionFrame("throttlingException", {
            message: "Too many tokens, please wait before trying again.",
          }),
        );
        return;
      }
      const frame = frames[index]!;
      if (index === 1) {
        // Split a frame across two writes: readers must reassemble frames.
        response.write(frame.subarray(0, 7));
        await yieldToEventLoop();
        response.write(frame.subarray(7));
      } else {
        response.write(frame);
      }
      await yieldToEventLoop();
    }
    response.end();
  }

  async function verifySignature(
    request: IncomingMessage,
    path: string,
    body: string,
  ): Promise<{ type: string; message: string } | undefined> {
    const authorization = request.headers.authorization ?? "";
    const parsed = authorizationPattern.exec(authorization);
    const amzDate = request.headers["x-amz-date"];
    if (parsed === null || typeof amzDate !== "string") {
      return {
        type: "IncompleteSignatureException",
        message: "Authorization header requires a valid SigV4 signature.",
      };
    }
    const [, accessKeyId, , region, service, signedHeaders] = parsed;
    if (accessKeyId !== options.accessKeyId) {
      return {
        type: "UnrecognizedClientException",
        message: "The security token included in the request is invalid.",
      };
    }
    if (region !== options.region || service !== "bedrock") {
      return {
        type: "InvalidSignatureException",
        message: `Credential should be scoped to a valid region/service, not ${region}/${service}.`,
      };
    }
    const headers: Record<string, string> = {};
    for (const name of signedHeaders!.split(";")) {
      const value = request.headers[name];
      // The signer re-derives these from the credentials, the date and the body.
      if (name === "x-amz-date" || name === "x-amz-content-sha256") continue;
      if (typeof value === "string") headers[name] = value;
    }
    if (
      options.sessionToken !== undefined &&
      request.headers["x-amz-security-token"] !== options.sessionToken
    ) {
      return {
        type: "UnrecognizedClientException",
        message: "The security token included in the request is invalid.",
      };
    }
    const signingDate = new Date(
      amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"),
    );
    const expected = await signer.sign(
      { method: "POST", protocol: "http:", hostname: "127.0.0.1", path, query: {}, headers, body },
      { signingDate },
    );
    if (expected.headers.authorization !== authorization) {
      return {
        type: "InvalidSignatureException",
        message: "The request signature we calculated does not match the signature you provided.",
      };
    }
    return undefined;
  }

  function invoke(response: ServerResponse, modelId: string, body: unknown) {
    if (!isRecord(body)) return sendError(response, 400, "ValidationException", "Malformed input request");
    if (modelId.startsWith("amazon.titan-embed")) {
      if (typeof body.inputText !== "string") {
        return sendError(
          response,
          400,
          "ValidationException",
          "Malformed input request: required key [inputText] not found",
        );
      }
      const dimensions = typeof body.dimensions === "number" ? body.dimensions : 8;
      return sendJson(response, 200, {
        embedding: fakeEmbedding(body.inputText, dimensions),
        inputTextTokenCount: countWords(body.inputText),
      });
    }
    if (modelId.startsWith("cohere.embed")) {
      const texts = Array.isArray(body.texts) ? body.texts.map(String) : [];
      if (texts.length === 0 || typeof body.input_type !== "string") {
        return sendError(
          response,
          400,
          "ValidationException",
          "Malformed input request: texts and input_type are required",
        );
      }
      response.setHeader(
        "x-amzn-bedrock-input-token-count",
        String(texts.reduce((sum, text) => sum + countWords(text), 0)),
      );
      return sendJson(response, 200, {
        id: "emb-fake",
        embeddings: texts.map((text) => fakeEmbedding(text)),
        response_type: "embeddings_floats",
        texts,
      });
    }
    return sendError(response, 400, "ValidationException", "The provided model identifier is invalid.");
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

interface Answer {
  block: Json;
  stopReason: "end_turn" | "tool_use";
  usage: { inputTokens: number; outputTokens: number; totalTokens: number };
}

/** What the real API rejects and the gateway must get right: alternating roles, no blank text, known block kinds. */
function validateConverse(body: unknown): string | undefined {
  if (!isRecord(body) || !Array.isArray(body.messages) || body.messages.length === 0) {
    return "The model returned the following errors: messages: at least one message is required";
  }
  if ("model" in body || "stream" in body)
    return "Malformed input request: extraneous key [model/stream] is not permitted";
  let previous: unknown;
  for (const [index, message] of body.messages.entries()) {
    if (!isRecord(message) || (message.role !== "user" && message.role !== "assistant")) {
      return `messages.${index}.role: must be user or assistant`;
    }
    if (message.role === previous) return "A conversation must alternate between user and assistant roles.";
    previous = message.role;
    if (!Array.isArray(message.content) || message.content.length === 0) {
      return `messages.${index}.content: must be a non-empty list`;
    }
    for (const block of message.content) {
      if (!isRecord(block) || Object.keys(block).length !== 1)
        return `messages.${index}: a content block has one member`;
      if (block.text === "") return "The text field in the ContentBlock object is blank.";
    }
  }
  if (body.messages[0].role !== "user") return "A conversation must start with a user message.";
  return undefined;
}

function answerOf(body: Json, nextToolUseId: () => string): Answer {
  const messages = body.messages as Json[];
  const last = messages[messages.length - 1]!;
  const blocks = last.content as Json[];
  const promptWords = JSON.stringify(messages).split(/\s+/).length;
  const toolResult = blocks.find((block) => isRecord(block.toolResult))?.toolResult as Json | undefined;
  const userText = blocks
    .map((block) => (typeof block.text === "string" ? block.text : ""))
    .filter((text) => text !== "")
    .join(" ");
  const usage = (output: number) => ({
    inputTokens: promptWords,
    outputTokens: output,
    totalTokens: promptWords + output,
  });
  if (toolResult !== undefined) {
    const text = (toolResult.content as Json[]).map((part) => String(part.text ?? "")).join("");
    const reply = `tool said: ${text}`;
    return { block: { text: reply }, stopReason: "end_turn", usage: usage(countWords(reply)) };
  }
  const tools =
    isRecord(body.toolConfig) && Array.isArray(body.toolConfig.tools) ? body.toolConfig.tools : [];
  const firstTool = tools[0];
  if (isRecord(firstTool) && isRecord(firstTool.toolSpec)) {
    const input = { query: userText };
    return {
      block: { toolUse: { toolUseId: nextToolUseId(), name: firstTool.toolSpec.name, input } },
      stopReason: "tool_use",
      usage: usage(countWords(JSON.stringify(input))),
    };
  }
  const reply = `echo: ${userText}`;
  return { block: { text: reply }, stopReason: "end_turn", usage: usage(countWords(reply)) };
}

/** ConverseStream's events for an answer, as [event type, payload]. */
function streamEvents(answer: Answer): [string, Json][] {
  const events: [string, Json][] = [["messageStart", { role: "assistant" }]];
  const toolUse = answer.block.toolUse as Json | undefined;
  if (toolUse !== undefined) {
    events.push([
      "contentBlockStart",
      { contentBlockIndex: 0, start: { toolUse: { toolUseId: toolUse.toolUseId, name: toolUse.name } } },
    ]);
    const input = JSON.stringify(toolUse.input);
    const half = Math.floor(input.length / 2);
    for (const fragment of [input.slice(0, half), input.slice(half)]) {
      events.push(["contentBlockDelta", { contentBlockIndex: 0, delta: { toolUse: { input: fragment } } }]);
    }
  } else {
    for (const piece of String(answer.block.text).match(/\s*\S+/g) ?? []) {
      events.push(["contentBlockDelta", { contentBlockIndex: 0, delta: { text: piece }, p: "abcdef" }]);
    }
  }
  events.push(["contentBlockStop", { contentBlockIndex: 0 }]);
  events.push(["messageStop", { stopReason: answer.stopReason }]);
  events.push(["metadata", { usage: answer.usage, metrics: { latencyMs: 12 } }]);
  return events;
}

function eventFrame(eventType: string, payload: Json): Uint8Array {
  return codec.encode({
    headers: {
      ":event-type": { type: "string", value: eventType },
      ":content-type": { type: "string", value: "application/json" },
      ":message-type": { type: "string", value: "event" },
    },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

function exceptionFrame(exceptionType: string, payload: Json): Uint8Array {
  return codec.encode({
    headers: {
      ":exception-type": { type: "string", value: exceptionType },
      ":content-type": { type: "string", value: "application/json" },
      ":message-type": { type: "string", value: "exception" },
    },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

function sendError(response: ServerResponse, status: number, type: string, message: string): void {
  response.writeHead(status, {
    "content-type": "application/json",
    "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
  });
  response.end(JSON.stringify({ message }));
}
