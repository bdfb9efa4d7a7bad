import { Writable } from "node:stream";
import OpenAI from "openai";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import {
  deleteKeys,
  type RedisProxy,
  redisClient,
  redisSkipReason,
  startRedisProxy,
  uniqueKeyPrefix,
} from "../helpers/redis.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";

const skipReason = await redisSkipReason();

const cachePing = async (gateway: RunningGateway) =>
  (await fetch(`${gateway.url}/cache/ping`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).ok;

const yaml = (upstream: FakeOpenAI) => `
model_list:
  - model_name: chat
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstream.url}, api_key: sk-up }
general_settings: { master_key: ${MASTER_KEY} }
litellm_settings:
  cache: true
  cache_params: { type: redis, namespace: team-a, ttl: 600 }
`;

/** The Redis cache as replicas share it, and what a replica does when Redis is away. */
describe.skipIf(skipReason !== undefined)("the response cache in Redis", () => {
  let upstream: FakeOpenAI;
  let redis: RedisProxy;
  let prefix: string;
  const lines: { level: number; msg: string }[] = [];
  let first: RunningGateway;
  let second: RunningGateway;
  const chats = () => upstream.requests.filter((request) => request.path === "/v1/chat/completions").length;
  const ask = (gateway: RunningGateway, content: string) =>
    new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 }).chat.completions
      .create({ model: "chat", messages: [{ role: "user", content }] })
      .withResponse();

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    redis = await startRedisProxy();
    prefix = uniqueKeyPrefix();
    const env = { REDIS_URL: redis.url, SWITCHYARD_REDIS_PREFIX: prefix };
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    first = await startGateway(yaml(upstream), env, pino({ level: "warn" }, destination));
    second = await startGateway(yaml(upstream), env);
    // Both replicas answer /cache/ping once connected to Redis.
    for (const gateway of [first, second]) {
      const deadline = Date.now() + 10_000;
      while (!(await cachePing(gateway)) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await redis?.close();
    await upstream?.close();
    const client = redisClient();
    await deleteKeys(client, prefix);
    client.disconnect();
  });

  it("answers a call on one replica from the entry another replica stored", async () => {
    const before = chats();
    const stored = await ask(first, "shared across replicas");
    // The write is not awaited by the call: poll Redis until it is there.
    const key = stored.response.headers.get("x-litellm-cache-key")!;
    expect(key).toMatch(/^team-a:[0-9a-f]{64}$/);
    const client = redisClient();
    try {
      const deadline = Date.now() + 5000;
      while (!(await client.exists(`${prefix}cache:${key}`)) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(await client.pttl(`${prefix}cache:${key}`)).toBeGreaterThan(590_000);
    } finally {
      client.disconnect();
    }
    const hit = await ask(second, "shared across replicas");
    expect(chats()).toBe(before + 1);
    expect(hit.data.id).toBe(stored.data.id);
    expect(hit.response.headers.get("x-litellm-response-cost")).toBe("0");
  });

  it("treats a value it cannot read (another writer's) as a miss, not a failure", async () => {
    const stored = await ask(first, "overwritten by someone else");
    const key = stored.response.headers.get("x-litellm-cache-key")!;
    const client = redisClient();
    try {
      await client.set(`${prefix}cache:${key}`, "not an entry at all, but long enough to look like one");
    } finally {
      client.disconnect();
    }
    const before = chats();
    const answer = await ask(second, "overwritten by someone else");
    expect(answer.response.status).toBe(200);
    expect(chats()).toBe(before + 1);
  });

  it("keeps serving (uncached) while Redis is down, warning once, and caches again once it is back", async () => {
    await redis.stop();
    const before = chats();
    for (let index = 0; index < 3; index++) {
      const answer = await ask(first, "while redis is down");
      expect(answer.response.status).toBe(200);
    }
    expect(chats()).toBe(before + 3);
    expect(await cachePing(first)).toBe(false);
    const warnings = lines.filter((line) => line.msg.startsWith("response cache: Redis unavailable"));
    expect(warnings).toHaveLength(1);

    await redis.start();
    // Reconnection takes a moment: poll until a stored answer is served from the cache again.
    const deadline = Date.now() + 10_000;
    let cached = false;
    while (!cached && Date.now() < deadline) {
      await ask(first, "after redis is back");
      const calls = chats();
      await ask(second, "after redis is back");
      cached = chats() === calls;
    }
    expect(cached).toBe(true);
  });
});
