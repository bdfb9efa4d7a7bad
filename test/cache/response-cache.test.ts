import Anthropic from "@anthropic-ai/sdk";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role } from "../../gen/switchyard/v1/chat_pb.js";
import { CompletionService } from "../../gen/switchyard/v1/completion_pb.js";
import type { Store } from "../../src/store/store.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";
import {
  call,
  eventually,
  type KeyGateway,
  openai,
  postgresBackend,
  startKeyGateway,
  UPSTREAM_KEY,
} from "../keys/key-gateway.js";

const backend = postgresBackend();

/** Extra body fields the typed client does not know (LiteLLM's `cache`), as callers send them. */
type WithCache<Params> = Params & { cache?: Record<string, unknown> };

/**
 * The response cache as a LiteLLM user relies on it, with the official
 * clients against a real gateway: a repeated call is answered without the
 * upstream, at no cost, and says so; the request's controls are honoured.
 */
describe.skipIf(backend.skipReason !== undefined)("the response cache (local)", () => {
  let upstream: FakeOpenAI;
  let store: Store;
  let gateway: KeyGateway;
  let client: OpenAI;
  let clock = Date.now();
  const upstreamCalls = (path: string) => upstream.requests.filter((request) => request.path === path).length;
  const chats = () => upstreamCalls("/v1/chat/completions");

  beforeAll(async () => {
    upstream = await startFakeOpenAI({ apiKey: UPSTREAM_KEY });
    await backend.setUp();
    store = backend.open();
    gateway = await startKeyGateway(
      `
model_list:
  - model_name: gpt-test
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstream.url}, api_key: ${UPSTREAM_KEY} }
    model_info: { input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 }
  - model_name: flaky
    litellm_params: { model: openai/error-mid-stream, api_base: ${upstream.url}, api_key: ${UPSTREAM_KEY} }
  - model_name: embedder
    litellm_params: { model: openai/text-embedding-3-small, api_base: ${upstream.url}, api_key: ${UPSTREAM_KEY} }
general_settings: { master_key: ${MASTER_KEY}, proxy_batch_write_at: 0.05 }
litellm_settings:
  cache: true
  cache_params: { type: local, ttl: 60 }
`,
      { store, now: () => clock },
    );
    client = openai(gateway.url, MASTER_KEY);
  }, 60_000);
  afterAll(async () => {
    await gateway?.close();
    await store?.close();
    await upstream?.close();
    await backend.tearDown();
  });

  const ask = (
    content: string,
    extra: Partial<WithCache<OpenAI.ChatCompletionCreateParamsNonStreaming>> = {},
  ) =>
    client.chat.completions
      .create({ model: "gpt-test", messages: [{ role: "user", content }], ...extra } as never)
      .withResponse();

  it("answers a repeated chat call from the cache: not sent upstream, same answer, cost 0, the key in a header", async () => {
    const before = chats();
    const first = await ask("cache me");
    const second = await ask("cache me");
    expect(chats()).toBe(before + 1);
    expect(second.data.id).toBe(first.data.id);
    expect(second.data.choices[0]?.message.content).toBe("echo: cache me");
    const key = first.response.headers.get("x-litellm-cache-key");
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(second.response.headers.get("x-litellm-cache-key")).toBe(key);
    expect(Number(first.response.headers.get("x-litellm-response-cost"))).toBeGreaterThan(0);
    expect(second.response.headers.get("x-litellm-response-cost")).toBe("0");
    expect(second.response.headers.get("x-litellm-call-id")).not.toBe(
      first.response.headers.get("x-litellm-call-id"),
    );
  });

  it("misses when a parameter that changes the answer differs, not when only user or metadata do", async () => {
    await ask("params", { temperature: 0.2 });
    const before = chats();
    await ask("params", { temperature: 0.9 });
    expect(chats()).toBe(before + 1);
    await ask("params", { temperature: 0.2, user: "someone-else", metadata: { team: "b" } });
    expect(chats()).toBe(before + 1);
  });

  it("honours cache: {no-cache} (goes upstream) and {no-store} (keeps nothing)", async () => {
    await ask("controls");
    const before = chats();
    await ask("controls", { cache: { "no-cache": true } });
    expect(chats()).toBe(before + 1);
    await ask("not kept", { cache: { "no-store": true } });
    await ask("not kept");
    expect(chats()).toBe(before + 3);
  });

  it("honours a Cache-Control: no-cache request header", async () => {
    await ask("header control");
    const before = chats();
    await client.chat.completions.create(
      { model: "gpt-test", messages: [{ role: "user", content: "header control" }] },
      { headers: { "cache-control": "no-cache" } },
    );
    expect(chats()).toBe(before + 1);
  });

  it("expires an entry after its ttl, and refuses one older than s-maxage", async () => {
    await ask("short lived", { cache: { ttl: 5 } });
    const before = chats();
    await ask("short lived");
    expect(chats()).toBe(before);
    clock += 6_000;
    await ask("short lived");
    expect(chats()).toBe(before + 1);

    // Stored again just now (the default ttl, 60 s); ten seconds on it is too old for s-maxage 5.
    clock += 10_000;
    await ask("short lived");
    expect(chats()).toBe(before + 1);
    await ask("short lived", { cache: { "s-maxage": 5 } });
    expect(chats()).toBe(before + 2);
  });

  it("replays a cached stream with the same chunks, and does not store a stream that failed", async () => {
    const collect = async () => {
      const stream = await client.chat.completions.create({
        model: "gpt-test",
        messages: [{ role: "user", content: "stream me please" }],
        stream: true,
      });
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      return chunks;
    };
    const before = chats();
    const first = await collect();
    const second = await collect();
    expect(chats()).toBe(before + 1);
    expect(second.length).toBe(first.length);
    expect(second.map((chunk) => chunk.choices[0]?.delta)).toEqual(
      first.map((chunk) => chunk.choices[0]?.delta),
    );
    expect(second.map((chunk) => chunk.id)).toEqual(first.map((chunk) => chunk.id));
    expect(second.map((chunk) => chunk.object)).toEqual(first.map((chunk) => chunk.object));
    expect(second.at(-1)?.choices[0]?.finish_reason).toBe("stop");

    const failing = async () => {
      const stream = await client.chat.completions.create({
        model: "flaky",
        messages: [{ role: "user", content: "breaks" }],
        stream: true,
      });
      await expect(async () => {
        for await (const _chunk of stream);
      }).rejects.toThrow();
    };
    const beforeFailing = chats();
    await failing();
    await failing();
    expect(chats()).toBe(beforeFailing + 2);
  });

  it("caches embeddings per input: a batch with one known input sends only the others", async () => {
    const embed = (input: string[]) => client.embeddings.create({ model: "embedder", input });
    const first = await embed(["alpha", "beta"]);
    const before = upstream.requests.length;
    const second = await embed(["beta", "gamma"]);
    expect(upstream.requests.length).toBe(before + 1);
    // Only the input not cached was sent (one input goes as a string, as the OpenAI client sends it).
    expect([(upstream.requests.at(-1)!.body as { input: unknown }).input].flat()).toEqual(["gamma"]);
    expect(second.data.map((entry) => entry.index)).toEqual([0, 1]);
    expect(second.data[0]?.embedding).toEqual(first.data[1]?.embedding);
    const third = await embed(["gamma", "alpha"]);
    expect(upstream.requests.length).toBe(before + 1);
    expect(third.data[1]?.embedding).toEqual(first.data[0]?.embedding);
  });

  it("caches text completions", async () => {
    const complete = () =>
      client.completions.create({ model: "gpt-test", prompt: "say it once", max_tokens: 5 });
    const before = upstream.requests.length;
    const first = await complete();
    const second = await complete();
    expect(upstream.requests.length).toBe(before + 1);
    expect(second.choices[0]?.text).toBe(first.choices[0]?.text);
  });

  it("serves /v1/messages (Anthropic client) and Connect callers from the same cache", async () => {
    const anthropic = new Anthropic({ apiKey: MASTER_KEY, baseURL: gateway.url, maxRetries: 0 });
    const message = () =>
      anthropic.messages.create({
        model: "gpt-test",
        max_tokens: 50,
        messages: [{ role: "user", content: "from claude" }],
      });
    const before = chats();
    const first = await message();
    const second = await message();
    expect(chats()).toBe(before + 1);
    expect(second.content).toEqual(first.content);

    const rpc = createClient(
      CompletionService,
      createConnectTransport({ baseUrl: gateway.url, httpVersion: "2" }),
    );
    const headers = { authorization: `Bearer ${MASTER_KEY}` };
    const request = {
      model: "gpt-test",
      messages: [{ role: Role.USER, content: [{ part: { case: "text" as const, value: "over rpc" } }] }],
    };
    const rpcBefore = chats();
    await rpc.createChatCompletion(request, { headers });
    let cacheKey: string | null = null;
    const again = await rpc.createChatCompletion(request, {
      headers,
      onHeader: (received) => (cacheKey = received.get("x-litellm-cache-key")),
    });
    expect(chats()).toBe(rpcBefore + 1);
    expect(cacheKey).toMatch(/^[0-9a-f]{64}$/);
    expect(again.usage?.costUsd).toBe(0);
  });

  it("writes the hit's spend row with cost 0 and cache_hit, and counts hits and misses", async () => {
    const first = await ask("spend row");
    const hit = await ask("spend row");
    const callId = hit.response.headers.get("x-litellm-call-id")!;
    let rows: Record<string, unknown>[] = [];
    await eventually(async () => {
      rows = (await call(`${gateway.url}/spend/logs?request_id=${callId}`, "GET")).body;
      return Array.isArray(rows) && rows.length === 1;
    });
    expect(rows[0]).toMatchObject({
      spend: 0,
      cache_hit: "True",
      cache_key: first.response.headers.get("x-litellm-cache-key"),
      model_group: "gpt-test",
    });
    const miss = await call(
      `${gateway.url}/spend/logs?request_id=${first.response.headers.get("x-litellm-call-id")}`,
      "GET",
    );
    expect(miss.body[0]?.cache_hit).toBe("False");
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(
      /switchyard_cache_lookups_total\{model_group="gpt-test",kind="chat",result="hit"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /switchyard_cache_lookups_total\{model_group="gpt-test",kind="chat",result="miss"\} [1-9]/,
    );
  });

  it("does not serve a virtual key an entry of a model it may not call", async () => {
    await ask("members only");
    const generated = await call(`${gateway.url}/key/generate`, "POST", { models: ["embedder"] });
    expect(generated.status).toBe(200);
    const limited = openai(gateway.url, generated.body.key);
    await expect(
      limited.chat.completions.create({
        model: "gpt-test",
        messages: [{ role: "user", content: "members only" }],
      }),
    ).rejects.toMatchObject({ status: 401, type: "key_model_access_denied" });
    const flushed = await call(`${gateway.url}/cache/flushall`, "POST", undefined, generated.body.key);
    expect(flushed.status).toBe(403);
  });

  it("answers LiteLLM's cache routes: ping, delete by key, flushall", async () => {
    const ping = await call(`${gateway.url}/cache/ping`, "GET");
    expect(ping).toMatchObject({ status: 200, body: { status: "healthy", cache_type: "local" } });

    const first = await ask("to delete");
    const key = first.response.headers.get("x-litellm-cache-key");
    const deleted = await call(`${gateway.url}/cache/delete`, "POST", { keys: [key] });
    expect(deleted).toMatchObject({ status: 200, body: { status: "success" } });
    const before = chats();
    await ask("to delete");
    expect(chats()).toBe(before + 1);

    expect((await call(`${gateway.url}/cache/delete`, "POST", { keys: "nope" })).status).toBe(400);
    expect((await call(`${gateway.url}/cache/flushall`, "GET")).status).toBe(405);
    expect((await call(`${gateway.url}/cache/flushall`, "POST", undefined, null)).status).toBe(401);
    expect((await call(`${gateway.url}/cache/flushall`, "POST")).body).toEqual({ status: "success" });
    await ask("to delete");
    expect(chats()).toBe(before + 2);
  });
});

describe("the response cache with mode: default_off", () => {
  let upstream: FakeOpenAI;
  let running: RunningGateway;
  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    running = await startGateway(`
model_list:
  - model_name: chat
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstream.url}, api_key: sk-up }
litellm_settings:
  cache: true
  cache_params: { type: local, mode: default_off }
`);
  });
  afterAll(async () => {
    await running?.close();
    await upstream?.close();
  });

  it("caches only the requests that ask with cache: {use-cache: true}", async () => {
    const client = openai(running.url, "anyone");
    const ask = (extra: object) =>
      client.chat.completions.create({
        model: "chat",
        messages: [{ role: "user", content: "opt in" }],
        ...extra,
      } as never);
    await ask({});
    await ask({});
    expect(upstream.requests.length).toBe(2);
    await ask({ cache: { "use-cache": true } });
    await ask({ cache: { "use-cache": true } });
    expect(upstream.requests.length).toBe(3);
  });
});
