import { once } from "node:events";
import * as http2 from "node:http2";
import { gzipSync } from "node:zlib";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role } from "../../gen/switchyard/v1/chat_pb.js";
import { CompletionService } from "../../gen/switchyard/v1/completion_pb.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { type RunningGateway, startGatewayWith } from "../helpers/start-gateway.js";

const KEY = "sk-door-limits-master";
let upstream: FakeOpenAI;
let running: RunningGateway;
let url: string;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  const yaml = `
model_list:
  - model_name: chat
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstream.url}, api_key: sk-up }
general_settings: { master_key: ${KEY}, max_request_size_mb: 1 }
litellm_settings: { require_auth_for_metrics_endpoint: true }
`;
  running = await startGatewayWith(yaml, {
    loadPrompts: true,
    listen: { headersTimeoutMs: 300 },
    closeGraceMs: 500,
  });
  url = running.url;
});
afterAll(async () => {
  await running?.close();
  await upstream?.close();
});

/** A Connect unary chat request whose one message holds `size` characters. */
function chatJson(size: number): string {
  return JSON.stringify({
    model: "chat",
    messages: [{ role: "ROLE_USER", content: [{ text: "x".repeat(size) }] }],
  });
}

async function connectUnary(body: Buffer | string, headers: Record<string, string>) {
  const response = await fetch(`${url}/switchyard.v1.CompletionService/CreateChatCompletion`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as { code?: string; message?: string } };
}

describe("body limits on the Connect and gRPC doors", () => {
  it("refuses a gzip bomb from a caller without a key before inflating it past a small bound", async () => {
    // 20 MB of one letter gzips to ~20 KB: read in full it would be refused only after inflating.
    const bomb = gzipSync(chatJson(20 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const answer = await connectUnary(bomb, { "content-encoding": "gzip" });
    expect(answer.body.code).toBe("resource_exhausted");
    const wrongKey = await connectUnary(bomb, {
      "content-encoding": "gzip",
      authorization: "Bearer sk-wrong",
    });
    expect(wrongKey.body.code).toBe("resource_exhausted");
    // A small request without a key is read, and refused for what it is.
    expect((await connectUnary(chatJson(10), {})).body.code).toBe("unauthenticated");
  });

  it("holds callers with the key to max_request_size_mb, compressed or not", async () => {
    const authorization = `Bearer ${KEY}`;
    const big = chatJson(2 * 1024 * 1024);
    expect((await connectUnary(big, { authorization })).body.code).toBe("resource_exhausted");
    expect((await connectUnary(gzipSync(big), { authorization, "content-encoding": "gzip" })).body.code).toBe(
      "resource_exhausted",
    );
    const small = await connectUnary(gzipSync(chatJson(1000)), { authorization, "content-encoding": "gzip" });
    expect(small.status).toBe(200);
  });

  it("answers RESOURCE_EXHAUSTED to a gRPC client sending a message over the limit", async () => {
    const client = createClient(CompletionService, createGrpcTransport({ baseUrl: url }));
    const error = await client
      .createChatCompletion(
        {
          model: "chat",
          messages: [
            { role: Role.USER, content: [{ part: { case: "text", value: "x".repeat(2 * 1024 * 1024) } }] },
          ],
        },
        { headers: { authorization: `Bearer ${KEY}` } },
      )
      .catch((reason: unknown) => ConnectError.from(reason));
    expect(error).toBeInstanceOf(ConnectError);
    // The gateway refuses on the message's length prefix, before reading it; a client still sending
    // the rest may see its stream reset first (ABORTED) instead of reading the trailers.
    expect([Code.ResourceExhausted, Code.Aborted]).toContain((error as ConnectError).code);
  });
});

describe("REST input limits", () => {
  it("refuses JSON nested deeper than any real request with a 400, not a 500", async () => {
    const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`;
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: `{"model":"chat","messages":[{"role":"user","content":"hi"}],"metadata":${deep}}`,
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { type: string; message: string } };
    expect(body.error).toMatchObject({ type: "invalid_request_error" });
    expect(body.error.message).toContain("nested");
  });
});

describe("idle connections", () => {
  it("closes an HTTP/2 session that never opens a stream", async () => {
    const session = http2.connect(url);
    session.on("error", () => {});
    await once(session, "connect");
    // The server ends it (headersTimeoutMs is 300 ms here); the test waits on the event, not a clock.
    await once(session, "close");
    expect(session.destroyed).toBe(true);
  });
});

describe("/metrics with require_auth_for_metrics_endpoint", () => {
  it("is the master key's (or an admin key's), not any key's", async () => {
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(200);
  });
});
