import type { CallAccounting } from "../accounting/call-accounting.js";
import type { Logger } from "../observability/logger.js";
import type { CacheSettings } from "./cache-settings.js";
import type { CacheStore } from "./cache-store.js";
import { LocalCacheStore } from "./local-cache-store.js";
import { RedisCacheStore } from "./redis-cache-store.js";
import { ResponseCache, type ResponseCacheOptions } from "./response-cache.js";

export interface CreateResponseCacheOptions
  extends Omit<ResponseCacheOptions, "settings" | "store" | "accounting"> {
  readonly settings: CacheSettings | undefined;
  readonly accounting: CallAccounting;
  readonly logger: Logger;
  /** Redis keys live under `<prefix>cache:` (SWITCHYARD_REDIS_PREFIX; default "switchyard:"). */
  readonly redisPrefix?: string;
}

/** The response cache the config asks for, or undefined when caching is off. */
export function createResponseCache(options: CreateResponseCacheOptions): ResponseCache | undefined {
  const { settings, logger } = options;
  if (!settings) return undefined;
  const store: CacheStore =
    settings.type === "redis" && settings.redisUrl
      ? new RedisCacheStore({
          url: settings.redisUrl,
          keyPrefix: `${options.redisPrefix ?? "switchyard:"}cache:`,
          logger,
        })
      : new LocalCacheStore({
          maxEntries: settings.maxEntries,
          maxBytes: settings.maxBytes,
          defaultTtlSeconds: settings.ttlSeconds,
          now: options.now,
        });
  return new ResponseCache({ ...options, settings, store });
}
