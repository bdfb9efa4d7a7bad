import { createHash, randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { connectRedis } from "./redis-connection.js";
import { type LatencyStats, type MinuteUsage, minuteOf, type RouterState } from "./router-state.js";

/** Keys live under this namespace unless the caller picks another (tests isolate themselves this way). */
export const DEFAULT_REDIS_KEY_PREFIX = "switchyard:router:";

export interface RedisRouterStateOptions {
  /** redis://[:password@]host:port[/db] (or rediss:// for TLS). */
  readonly url: string;
  /** Prepended to every key; default "switchyard:router:". */
  readonly keyPrefix?: string;
  /**
   * How long one command may take before it fails, ms (default 100). Short on
   * purpose: a slow Redis must cost a request a little, never a stall.
   */
  readonly commandTimeoutMs?: number;
}

/** Per-minute counters outlive their minute a little, so a replica whose clock lags still finds them. */
const MINUTE_KEY_TTL_MS = 120_000;
/**
 * In-flight counters are refreshed on every change; a replica that dies
 * mid-call leaves its +1 behind, and this bounds how long (longer than the
 * default ten-minute request timeout).
 */
const IN_FLIGHT_TTL_MS = 900_000;
/** Weight of the newest sample in the latency averages (as in memory-router-state.ts). */
const LATENCY_SMOOTHING = 0.2;
const LATENCY_TTL_MS = 3_600_000;
const FAILURE_WINDOW_MS = 60_000;

/**
 * Checks and counts in one step, so two replicas can never both take the
 * last request of a minute. ARGV[1] < 0 means no limit.
 */
const acquireScript = luaScript(`
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
local limit = tonumber(ARGV[1])
local requests = tonumber(ARGV[3])
if limit >= 0 and count + requests > limit then return 0 end
if redis.call('INCRBY', KEYS[1], requests) == requests then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
`);

/** Adds to a counter and (re)sets its expiry; a counter that drops to zero or below is removed. */
const addScript = luaScript(`
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if value <= 0 then
  redis.call('DEL', KEYS[1])
  return 0
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return value
`);

/**
 * Folds one call into the exponentially weighted averages of latency and,
 * when given (ARGV[2] not empty), time to first token: the same smoothing
 * as the in-process state, so strategies behave alike with and without Redis.
 */
const latencyScript = luaScript(`
local smoothing = tonumber(ARGV[3])
local function fold(field, sample)
  local average = tonumber(redis.call('HGET', KEYS[1], field))
  if average then sample = average + smoothing * (sample - average) end
  redis.call('HSET', KEYS[1], field, sample)
end
fold('latency', tonumber(ARGV[1]))
if ARGV[2] ~= '' then fold('ttft', tonumber(ARGV[2])) end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`);

/** Failures as a sorted set of times: counts the last minute, sliding, as the in-process state does. */
const failureScript = luaScript(`
local now = tonumber(ARGV[1])
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return redis.call('ZCARD', KEYS[1])
`);

/** A cooldown only ever lengthens: a shorter one set later does not cut a longer one short. */
const coolDownScript = luaScript(`
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 1
`);

/**
 * Router state in Redis, shared by every replica pointing at the same
 * server and key prefix. Every write is one round trip (a Lua script or a
 * single command); reads of several deployments are one MGET, and
 * concurrent commands share writes through ioredis' auto-pipelining.
 *
 * Unlike the RouterState contract asks, this class DOES reject when Redis
 * fails or is not connected: `FallbackRouterState` wraps it and answers from
 * local state instead.
 */
export class RedisRouterState implements RouterState {
  /** The connection, for the fallback wrapper to watch (ready / error events, status). */
  readonly redis: Redis;
  readonly #prefix: string;

  constructor(options: RedisRouterStateOptions) {
    this.#prefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
    this.redis = connectRedis(options.url, options.commandTimeoutMs);
    // Without a listener ioredis prints every connection error to the console;
    // the fallback wrapper reports outages (once each) through the logger.
    this.redis.on("error", () => {});
  }

  /** True when commands can be sent now. */
  get connected(): boolean {
    return this.redis.status === "ready";
  }

  async acquireRequest(
    deploymentId: string,
    limit: number | undefined,
    now: number,
    requests = 1,
  ): Promise<boolean> {
    const key = this.#minuteKey("rpm", deploymentId, now);
    const admitted = await acquireScript.run(this.redis, [key], [limit ?? -1, MINUTE_KEY_TTL_MS, requests]);
    return admitted === 1;
  }

  async addTokens(deploymentId: string, tokens: number, now: number): Promise<void> {
    if (tokens <= 0) return;
    await addScript.run(this.redis, [this.#minuteKey("tpm", deploymentId, now)], [tokens, MINUTE_KEY_TTL_MS]);
  }

  async usage(deploymentIds: readonly string[], now: number): Promise<ReadonlyMap<string, MinuteUsage>> {
    const keys: string[] = [];
    for (const id of deploymentIds)
      keys.push(this.#minuteKey("rpm", id, now), this.#minuteKey("tpm", id, now));
    const values = keys.length > 0 ? await this.redis.mget(keys) : [];
    const usage = new Map<string, MinuteUsage>();
    deploymentIds.forEach((id, index) => {
      usage.set(id, {
        requests: counterValue(values[index * 2]),
        tokens: counterValue(values[index * 2 + 1]),
      });
    });
    return usage;
  }

  async changeInFlight(deploymentId: string, delta: number): Promise<void> {
    await addScript.run(this.redis, [this.#key("inflight", deploymentId)], [delta, IN_FLIGHT_TTL_MS]);
  }

  async inFlight(deploymentIds: readonly string[]): Promise<ReadonlyMap<string, number>> {
    const values =
      deploymentIds.length > 0
        ? await this.redis.mget(deploymentIds.map((id) => this.#key("inflight", id)))
        : [];
    const inFlight = new Map<string, number>();
    deploymentIds.forEach((id, index) => {
      inFlight.set(id, counterValue(values[index]));
    });
    return inFlight;
  }

  async recordLatency(
    deploymentId: string,
    latencyMs: number,
    timeToFirstTokenMs: number | undefined,
  ): Promise<void> {
    await latencyScript.run(
      this.redis,
      [this.#key("latency", deploymentId)],
      [latencyMs, timeToFirstTokenMs ?? "", LATENCY_SMOOTHING, LATENCY_TTL_MS],
    );
  }

  async latency(deploymentIds: readonly string[]): Promise<ReadonlyMap<string, LatencyStats>> {
    // Auto-pipelining sends these together: one round trip for the whole group.
    const averages = await Promise.all(
      deploymentIds.map((id) => this.redis.hmget(this.#key("latency", id), "latency", "ttft")),
    );
    const stats = new Map<string, LatencyStats>();
    deploymentIds.forEach((id, index) => {
      const [latency, timeToFirstToken] = averages[index]!;
      if (latency == null) return;
      const latencyMs = Number(latency);
      stats.set(
        id,
        timeToFirstToken == null
          ? { latencyMs }
          : { latencyMs, timeToFirstTokenMs: Number(timeToFirstToken) },
      );
    });
    return stats;
  }

  async recordFailure(deploymentId: string, now: number): Promise<number> {
    // Members must differ even when two replicas fail at the same millisecond.
    const member = `${now}:${randomUUID()}`;
    const key = this.#key("fails", deploymentId);
    return Number(await failureScript.run(this.redis, [key], [now, member, FAILURE_WINDOW_MS]));
  }

  async coolDown(deploymentId: string, until: number): Promise<void> {
    // The stored deadline is what `coolingDown` compares against (so callers'
    // clocks rule); the expiry only clears the key away afterwards.
    const ttlMs = Math.ceil(until - Date.now());
    if (ttlMs <= 0) return;
    await coolDownScript.run(this.redis, [this.#key("cooldown", deploymentId)], [until, ttlMs]);
  }

  async coolingDown(deploymentIds: readonly string[], now: number): Promise<ReadonlySet<string>> {
    const cooling = new Set<string>();
    if (deploymentIds.length === 0) return cooling;
    const values = await this.redis.mget(deploymentIds.map((id) => this.#key("cooldown", id)));
    deploymentIds.forEach((id, index) => {
      const until = values[index];
      if (until != null && Number(until) > now) cooling.add(id);
    });
    return cooling;
  }

  async close(): Promise<void> {
    // quit() waits for a reply a dead server never sends; disconnect() does not.
    if (this.redis.status === "ready") await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }

  #key(kind: string, deploymentId: string): string {
    return `${this.#prefix}${kind}:${deploymentId}`;
  }

  #minuteKey(kind: string, deploymentId: string, now: number): string {
    return `${this.#prefix}${kind}:${deploymentId}:${minuteOf(now)}`;
  }
}

function counterValue(value: string | null | undefined): number {
  const count = value == null ? 0 : Number(value);
  return Number.isFinite(count) ? Math.max(count, 0) : 0;
}

interface LuaScript {
  run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>;
}

/**
 * A script sent by its SHA1 (EVALSHA), and in full only when the server
 * does not know it yet (after a restart or SCRIPT FLUSH).
 */
function luaScript(source: string): LuaScript {
  const sha = createHash("sha1").update(source).digest("hex");
  return {
    run(redis, keys, args) {
      return redis.evalsha(sha, keys.length, ...keys, ...args).catch((error: unknown) => {
        if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
        return redis.eval(source, keys.length, ...keys, ...args);
      });
    },
  };
}
