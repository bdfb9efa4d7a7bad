import { createRequire } from "node:module";
import type { Redis } from "ioredis";

/**
 * A Redis connection as the router's state and the response cache use it:
 * commands fail at once while Redis is away (the caller falls back, or
 * misses), never queue; reconnection goes on for ever, backing off to one
 * attempt a second.
 *
 * ioredis is loaded here, on the first connection: a gateway without Redis
 * (the default) does not carry its ~45 modules (~7 MB of RSS).
 */
export function connectRedis(url: string, commandTimeoutMs = 100): Redis {
  const { Redis: RedisClient } = createRequire(import.meta.url)("ioredis") as typeof import("ioredis");
  return new RedisClient(url, {
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    enableAutoPipelining: true,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  });
}
