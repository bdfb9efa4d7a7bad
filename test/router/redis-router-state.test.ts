import { once } from "node:events";
import { createServer } from "node:net";
import { Writable } from "node:stream";
import type { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FallbackRouterState } from "../../src/router/fallback-router-state.js";
import { MemoryRouterState } from "../../src/router/memory-router-state.js";
import { RedisRouterState } from "../../src/router/redis-router-state.js";
import {
  deleteKeys,
  REDIS_URL,
  redisClient,
  redisSkipReason,
  startRedisProxy,
  uniqueKeyPrefix,
} from "../helpers/redis.js";

const skipReason = await redisSkipReason();
if (skipReason) console.warn(`redis-router-state tests skipped: ${skipReason}`);

/** A logger whose lines the test can read and wait for. */
function capturedLogger() {
  const lines: Array<{ level: number; msg: string; [key: string]: unknown }> = [];
  const waiters: Array<{ match: (line: (typeof lines)[number]) => boolean; resolve: () => void }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split("\n")) {
        if (!text) continue;
        const line = JSON.parse(text) as (typeof lines)[number];
        lines.push(line);
        for (const waiter of [...waiters]) {
          if (waiter.match(line)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve();
          }
        }
      }
      done();
    },
  });
  return {
    logger: pino({ level: "info" }, stream),
    lines,
    warnings: () => lines.filter((line) => line.level === 40),
    next(match: (line: (typeof lines)[number]) => boolean): Promise<void> {
      if (lines.some(match)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
}

async function connected(state: RedisRouterState): Promise<RedisRouterState> {
  if (!state.connected) await once(state.redis, "ready");
  return state;
}

describe.skipIf(skipReason !== undefined)("Redis router state", () => {
  const prefix = uniqueKeyPrefix();
  let admin: Redis;
  let replicaA: RedisRouterState;
  let replicaB: RedisRouterState;
  // Mid-minute, so "the next minute" is unambiguous.
  const now = Math.floor(Date.now() / 60_000) * 60_000 + 30_000;

  beforeAll(async () => {
    admin = redisClient();
    // Two connections stand for two replicas.
    replicaA = await connected(new RedisRouterState({ url: REDIS_URL, keyPrefix: prefix }));
    replicaB = await connected(new RedisRouterState({ url: REDIS_URL, keyPrefix: prefix }));
  });
  afterAll(async () => {
    await replicaA?.close();
    await replicaB?.close();
    await deleteKeys(admin, prefix);
    admin.disconnect();
  });

  it("admits exactly `limit` requests a minute when 200 race from two replicas", async () => {
    const attempts = Array.from({ length: 200 }, (_, index) =>
      (index % 2 === 0 ? replicaA : replicaB).acquireRequest("race", 50, now),
    );
    const admitted = (await Promise.all(attempts)).filter(Boolean).length;
    expect(admitted).toBe(50);
    // Refused requests are not counted.
    expect((await replicaB.usage(["race"], now)).get("race")).toEqual({ requests: 50, tokens: 0 });
  });

  it("starts counting afresh when the minute changes", async () => {
    expect(await replicaA.acquireRequest("rollover", 2, now)).toBe(true);
    expect(await replicaB.acquireRequest("rollover", 2, now + 1000)).toBe(true);
    expect(await replicaA.acquireRequest("rollover", 2, now + 2000)).toBe(false);
    expect(await replicaB.acquireRequest("rollover", 2, now + 60_000)).toBe(true);
    expect((await replicaA.usage(["rollover"], now + 60_000)).get("rollover")?.requests).toBe(1);
    // The minute keys expire on their own.
    const ttl = await admin.pttl(`${prefix}rpm:rollover:${Math.floor(now / 60_000)}`);
    expect(ttl).toBeGreaterThan(0);
  });

  it("counts without a limit, and shares tokens per minute", async () => {
    for (let index = 0; index < 5; index++)
      expect(await replicaA.acquireRequest("open", undefined, now)).toBe(true);
    await replicaA.addTokens("open", 120, now);
    await replicaB.addTokens("open", 30, now);
    await replicaB.addTokens("open", 999, now + 60_000);
    const usage = await replicaB.usage(["open", "unused"], now);
    expect(usage.get("open")).toEqual({ requests: 5, tokens: 150 });
    expect(usage.get("unused")).toEqual({ requests: 0, tokens: 0 });
  });

  it("shares cooldowns until they end, and they never shorten", async () => {
    const until = Date.now() + 5_000;
    await replicaA.coolDown("cooling", until);
    await replicaB.coolDown("cooling", until - 3_000);
    expect(await replicaB.coolingDown(["cooling", "fine"], until - 1_000)).toEqual(new Set(["cooling"]));
    expect(await replicaB.coolingDown(["cooling", "fine"], until)).toEqual(new Set());
    const ttl = await admin.pttl(`${prefix}cooldown:cooling`);
    expect(ttl).toBeGreaterThan(3_000);
    expect(ttl).toBeLessThanOrEqual(5_000);
  });

  it("lets a cooldown key expire in Redis", async () => {
    await replicaA.coolDown("brief", Date.now() + 30);
    // PX expiry: the key goes away on its own (polled through Redis, not slept on).
    while ((await admin.exists(`${prefix}cooldown:brief`)) === 1) await admin.ping();
    expect(await replicaB.coolingDown(["brief"], Date.now() - 60_000)).toEqual(new Set());
  });

  it("counts failures over the last minute across replicas", async () => {
    expect(await replicaA.recordFailure("flaky", now)).toBe(1);
    expect(await replicaB.recordFailure("flaky", now)).toBe(2);
    expect(await replicaA.recordFailure("flaky", now + 59_000)).toBe(3);
    // The first two are more than a minute old by now.
    expect(await replicaB.recordFailure("flaky", now + 61_000)).toBe(2);
  });

  it("shares in-flight counts and never lets them go below zero", async () => {
    await replicaA.changeInFlight("busy", 1);
    await replicaB.changeInFlight("busy", 1);
    await replicaA.changeInFlight("busy", 1);
    await replicaB.changeInFlight("busy", -1);
    await replicaA.changeInFlight("idle", -1);
    expect(await replicaB.inFlight(["busy", "idle"])).toEqual(
      new Map([
        ["busy", 2],
        ["idle", 0],
      ]),
    );
  });

  it("averages latency and time to first token like the in-process state", async () => {
    const memory = new MemoryRouterState();
    const calls: Array<[number, number | undefined]> = [
      [100, undefined],
      [200, 40],
      [300, undefined],
      [120, 20],
    ];
    for (const [index, [latencyMs, ttft]] of calls.entries()) {
      await (index % 2 === 0 ? replicaA : replicaB).recordLatency("timed", latencyMs, ttft);
      await memory.recordLatency("timed", latencyMs, ttft);
    }
    const shared = (await replicaA.latency(["timed", "untimed"])).get("timed")!;
    const local = (await memory.latency(["timed"])).get("timed")!;
    expect(shared.latencyMs).toBeCloseTo(local.latencyMs, 6);
    expect(shared.timeToFirstTokenMs).toBeCloseTo(local.timeToFirstTokenMs!, 6);
    expect((await replicaA.latency(["untimed"])).has("untimed")).toBe(false);
  });
});

describe.skipIf(skipReason !== undefined)("losing Redis", () => {
  it("answers from local state when Redis cannot be reached, with one warning", async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const address = server.address();
        server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
      });
    });
    const log = capturedLogger();
    const shared = new RedisRouterState({ url: `redis://:hunter2@127.0.0.1:${closedPort}` });
    const state = new FallbackRouterState(shared, new MemoryRouterState(), {
      logger: log.logger,
      description: `redis://127.0.0.1:${closedPort}`,
    });
    try {
      const now = Date.now();
      // Several reconnect attempts fail while requests keep coming.
      for (let attempt = 0; attempt < 3; attempt++) {
        await once(shared.redis, "error");
        expect(await state.acquireRequest("lonely", 100, now)).toBe(true);
        await state.recordFailure("lonely", now);
        await state.coolDown("lonely", now + 1000);
      }
      // The limit is enforced locally…
      const local = new FallbackRouterState(shared, new MemoryRouterState(), {
        logger: log.logger,
        description: "second",
      });
      expect(await local.acquireRequest("capped", 1, now)).toBe(true);
      expect(await local.acquireRequest("capped", 1, now)).toBe(false);
      expect(await state.usage(["lonely"], now)).toEqual(new Map([["lonely", { requests: 3, tokens: 0 }]]));
      expect(await state.coolingDown(["lonely"], now)).toEqual(new Set(["lonely"]));
      // …and the outage was reported once per state, without the password.
      const warnings = log.warnings().filter((line) => line.redis !== "second");
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.msg).toMatch(/Redis unavailable/);
      expect(JSON.stringify(log.lines)).not.toContain("hunter2");
    } finally {
      await state.close();
    }
  });

  it("goes back to shared state when Redis returns", async () => {
    const prefix = uniqueKeyPrefix();
    const admin = redisClient();
    const proxy = await startRedisProxy();
    const log = capturedLogger();
    const shared = await connected(new RedisRouterState({ url: proxy.url, keyPrefix: prefix }));
    const state = new FallbackRouterState(shared, new MemoryRouterState(), {
      logger: log.logger,
      description: proxy.url,
    });
    const now = Date.now();
    try {
      expect(await state.acquireRequest("returning", 10, now)).toBe(true);
      expect(await admin.get(`${prefix}rpm:returning:${Math.floor(now / 60_000)}`)).toBe("1");

      await proxy.stop();
      await log.next((line) => line.level === 40);
      expect(await state.acquireRequest("returning", 10, now)).toBe(true);
      expect(await admin.get(`${prefix}rpm:returning:${Math.floor(now / 60_000)}`)).toBe("1");

      await proxy.start();
      await log.next((line) => line.msg.startsWith("Redis is back"));
      expect(await state.acquireRequest("returning", 10, now)).toBe(true);
      expect(await admin.get(`${prefix}rpm:returning:${Math.floor(now / 60_000)}`)).toBe("2");
      expect(log.warnings()).toHaveLength(1);
    } finally {
      await state.close();
      await proxy.close();
      await deleteKeys(admin, prefix);
      admin.disconnect();
    }
  });
});
