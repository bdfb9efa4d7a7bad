import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, startFixture, UPSTREAM_KEY } from "../helpers/fixture.js";
import { MASTER_KEY } from "../helpers/master-key.js";

let fixture: Fixture;
let client: OpenAI;

beforeAll(async () => {
  fixture = await startFixture();
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${fixture.gateway.url}/v1`, maxRetries: 0 });
});
afterAll(() => fixture.close());

interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

async function post(path: string, body: string, key: string | null = MASTER_KEY) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const response = await fetch(`${fixture.gateway.url}${path}`, { method: "POST", headers, body });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: JSON.parse(text) as OpenAIErrorBody,
  };
}

const chat = (model: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], ...extra });

function expectErrorShape(body: OpenAIErrorBody) {
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(typeof body.error.type).toBe("string");
  expect(body.error).toHaveProperty("param");
  expect(body.error).toHaveProperty("code");
}

describe("errors in OpenAI's shape", () => {
  it("answers malformed JSON with 400", async () => {
    const result = await post("/v1/chat/completions", "{not json");
    expect(result.status).toBe(400);
    expectErrorShape(result.json);
    expect(result.json.error.type).toBe("invalid_request_error");
  });

  it("answers a missing model or empty messages with 400 naming the param", async () => {
    const noModel = await post(
      "/v1/chat/completions",
      JSON.stringify({ messages: [{ role: "user", content: "x" }] }),
    );
    expect(noModel.status).toBe(400);
    expect(noModel.json.error.param).toBe("model");
    const noMessages = await post(
      "/v1/chat/completions",
      JSON.stringify({ model: "gpt-test", messages: [] }),
    );
    expect(noMessages.status).toBe(400);
    expect(noMessages.json.error.param).toBe("messages");
    const badRole = await post(
      "/v1/chat/completions",
      JSON.stringify({ model: "gpt-test", messages: [{ role: "wizard", content: "x" }] }),
    );
    expect(badRole.status).toBe(400);
    expect(badRole.json.error.param).toBe("messages[0].role");
  });

  it("answers a missing or wrong key with 401 and never echoes the key", async () => {
    const missing = await post("/v1/chat/completions", chat("gpt-test"), null);
    expect(missing.status).toBe(401);
    expectErrorShape(missing.json);
    const wrong = await post("/v1/chat/completions", chat("gpt-test"), "sk-wrong-key-123456");
    expect(wrong.status).toBe(401);
    expect(wrong.text).not.toContain("sk-wrong-key-123456");
    await expect(
      new OpenAI({ apiKey: "sk-nope", baseURL: `${fixture.gateway.url}/v1`, maxRetries: 0 }).models.list(),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it("answers an unknown model with 404 model_not_found naming the model", async () => {
    const result = await post("/v1/chat/completions", chat("no-such-model"));
    expect(result.status).toBe(404);
    expect(result.json.error.code).toBe("model_not_found");
    expect(result.json.error.message).toContain("no-such-model");
    await expect(
      client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("passes an upstream 4xx through with its status and message", async () => {
    const result = await post("/v1/chat/completions", chat("bad-request"));
    expect(result.status).toBe(400);
    expect(result.json.error.param).toBe("temperature");
    const upstreamMessage = result.json.error.message;
    expect(upstreamMessage.length).toBeGreaterThan(0);
    expect(result.text).not.toContain(UPSTREAM_KEY);
  });

  it("answers an upstream 5xx with 502", async () => {
    const result = await post("/v1/chat/completions", chat("server-error"));
    expect(result.status).toBe(502);
    expectErrorShape(result.json);
    await expect(
      client.chat.completions.create({ model: "server-error", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toBeInstanceOf(OpenAI.InternalServerError);
  });

  it("answers an unreachable upstream (socket reset) with 502", async () => {
    const result = await post("/v1/chat/completions", chat("reset"));
    expect(result.status).toBe(502);
    expectErrorShape(result.json);
  });

  it("answers an upstream timeout with 504", async () => {
    const started = performance.now();
    const result = await post("/v1/chat/completions", chat("slow"));
    expect(result.status).toBe(504);
    expect(result.json.error.type).toBe("timeout_error");
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it("answers an upstream 429 with 429 and its retry-after", async () => {
    const result = await post("/v1/chat/completions", chat("rate-limited"));
    expect(result.status).toBe(429);
    expect(result.json.error.type).toBe("rate_limit_error");
    expect(result.headers.get("retry-after")).toBe("2");
    expect(result.headers.get("retry-after-ms")).toBe("1500");
  });

  it("answers a stream that fails before its first byte with a plain HTTP error", async () => {
    const result = await post("/v1/chat/completions", chat("server-error", { stream: true }));
    expect(result.status).toBe(502);
    expect(result.headers.get("content-type")).toContain("application/json");
    expectErrorShape(result.json);
  });

  it("ends a stream that fails after its first byte with one SSE error event", async () => {
    const stream = await client.chat.completions.create({
      model: "broken-stream",
      messages: [{ role: "user", content: "break later please" }],
      stream: true,
    });
    const received: string[] = [];
    await expect(async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? "");
    }).rejects.toBeInstanceOf(OpenAI.APIError);
    expect(received.length).toBeGreaterThan(0);
  });

  it("turns malformed upstream SSE into an error event, not a hang", async () => {
    const response = await fetch(`${fixture.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
      body: chat("malformed-stream", { stream: true }),
    });
    const text = await response.text();
    expect(text).toMatch(/"error"|invalid/);
  });

  it("answers unknown /v1 paths with 404 and wrong methods with 405", async () => {
    const unknown = await post("/v1/nothing-here", "{}");
    expect(unknown.status).toBe(404);
    expectErrorShape(unknown.json);
    const wrongMethod = await fetch(`${fixture.gateway.url}/v1/chat/completions`, {
      headers: { authorization: `Bearer ${MASTER_KEY}` },
    });
    expect(wrongMethod.status).toBe(405);
  });
});
