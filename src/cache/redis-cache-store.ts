import { Code } from "@connectrpc/connect";
import type { Redis } from "ioredis";
import { GatewayError } from "../errors/gateway-error.js";
import type { Logger } from "../observability/logger.js";
import { describeRedisUrl } from "../router/create-router-state.js";
import { connectRedis } from "../router/redis-connection.js";
import type { CacheStore } from "./cache-store.js";

export interface RedisCacheStoreOptions {
  readonly url: string;
  /** Prepended to every Redis key, so the cache shares a Redis with the router's state safely. */
  readonly keyPrefix: string;
  readonly logger: Logger;
  /** How long one command may take, ms (default 100): a slow Redis is a miss, never a stall. */
  readonly commandTimeoutMs?: number;
}

/** Keys one SCAN step returns, and one UNLINK removes, while flushing. */
const FLUSH_BATCH = 500;

/**
 * The cache shared by replicas. Commands fail at once while Redis is away
 * (no offline queue): a read is a miss, a write is lost, and the outage is
 * warned about once, its end once.
 */
export class RedisCacheStore implements CacheStore {
  readonly type = "redis";
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #logger: Logger;
  readonly #where: string;
  #down = false;
  #everReady = false;

  constructor(options: RedisCacheStoreOptions) {
    this.#prefix = options.keyPrefix;
    this.#logger = options.logger;
    this.#where = describeRedisUrl(options.url);
    this.#redis = connectRedis(options.url, options.commandTimeoutMs);
    // Reported once per outage by #failed, not per connection attempt.
    this.#redis.on("error", (error: Error) => this.#failed(error));
    this.#redis.on("ready", () => {
      this.#everReady = true;
      this.#back();
    });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const value = await this.#redis.getBuffer(this.#prefix + key);
      if (this.#down) this.#back();
      return value ?? undefined;
    } catch (error) {
      this.#failed(error);
      return undefined;
    }
  }

  async set(key: string, value: Uint8Array, ttlSeconds: number | undefined): Promise<void> {
    try {
      const buffer = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      if (ttlSeconds === undefined) await this.#redis.set(this.#prefix + key, buffer);
      else
        await this.#redis.set(this.#prefix + key, buffer, "PX", Math.max(1, Math.round(ttlSeconds * 1000)));
    } catch (error) {
      this.#failed(error);
    }
  }

  async delete(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    return this.#redis.unlink(...keys.map((key) => this.#prefix + key)).catch((error: unknown) => {
      throw unavailable(error);
    });
  }

  async flush(): Promise<void> {
    try {
      let cursor = "0";
      do {
        const [next, keys] = await this.#redis.scan(
          cursor,
          "MATCH",
          `${this.#prefix}*`,
          "COUNT",
          FLUSH_BATCH,
        );
        if (keys.length > 0) await this.#redis.unlink(...keys);
        cursor = next;
      } while (cursor !== "0");
    } catch (error) {
      throw unavailable(error);
    }
  }

  async ping(): Promise<void> {
    await this.#redis.ping().catch((error: unknown) => {
      throw unavailable(error);
    });
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
  }

  #back(): void {
    if (!this.#down) return;
    this.#down = false;
    this.#logger.info({ redis: this.#where }, "response cache: Redis is back");
  }

  #failed(error: unknown): void {
    // The first connection is still being made: a miss, not an outage (a refused one emits "error").
    if (this.#down || (!this.#everReady && !(error instanceof Error && "code" in error))) return;
    this.#down = true;
    this.#logger.warn(
      { redis: this.#where, err: error instanceof Error ? error.message : String(error) },
      "response cache: Redis unavailable, calls go upstream uncached until it is back",
    );
  }
}

function unavailable(error: unknown): GatewayError {
  return new GatewayError({
    code: Code.Unavailable,
    message: `the cache's Redis is unavailable: ${error instanceof Error ? error.message : String(error)}`,
    errorCode: "cache_unavailable",
  });
}
