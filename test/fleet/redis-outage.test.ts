import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { type RedisProxy, redisSkipReason, startRedisProxy, uniqueKeyPrefix } from "../helpers/redis.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";
import { call, chatStatus, timeUntil } from "./fleet.js";

const skipReason = await redisSkipReason();

/** What an operator sees when a replica loses Redis: it keeps serving, and readiness says how. */
describe.skipIf(skipReason !== undefined)("a replica whose Redis goes away", () => {
  let upstream: FakeOpenAI;
  let redis: RedisProxy;
  let running: RunningGateway;

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    redis = await startRedisProxy();
    running = await startGateway(
      `
model_list:
  - model_name: chat
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstream.url}, api_key: sk-up, rpm: 1000 }
general_settings: { master_key: ${MASTER_KEY} }
`,
      { REDIS_URL: redis.url, SWITCHYARD_REDIS_PREFIX: uniqueKeyPrefix() },
    );
  });
  afterAll(async () => {
    await running?.close();
    await redis?.close();
    await upstream?.close();
  });

  it("keeps answering, stays ready, and readiness reports limits counted per replica until Redis is back", async () => {
    const readiness = async () => (await call(`${running.url}/health/readiness`, "GET")).body;
    await timeUntil(async () => (await readiness()).cache === "redis");
    expect(await chatStatus(running.url, "chat", MASTER_KEY)).toBe(200);

    await redis.stop();
    expect(await chatStatus(running.url, "chat", MASTER_KEY)).toBe(200);
    await timeUntil(async () => String((await readiness()).cache).includes("per replica"));
    const answer = await call(`${running.url}/health/readiness`, "GET");
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe("healthy");

    await redis.start();
    await timeUntil(async () => (await readiness()).cache === "redis");
    expect(await chatStatus(running.url, "chat", MASTER_KEY)).toBe(200);
  });
});
