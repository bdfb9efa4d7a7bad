import type { Logger } from "../observability/logger.js";
import { FallbackRouterState } from "./fallback-router-state.js";
import { MemoryRouterState } from "./memory-router-state.js";
import { RedisRouterState } from "./redis-router-state.js";
import type { RouterState } from "./router-state.js";

export interface RouterStateOptions {
  /** From `resolveRedisUrl`; undefined keeps the state in this process. */
  readonly redisUrl?: string;
  /** Namespace for every key (default "switchyard:router:"). */
  readonly keyPrefix?: string;
  /** How long one Redis command may take before this replica answers from local state, ms (default 100). */
  readonly commandTimeoutMs?: number;
  readonly logger: Logger;
}

/**
 * Redis-backed state (shared by replicas, local while Redis is away) when a
 * Redis URL is configured, in-process state otherwise.
 */
export function createRouterState(options: RouterStateOptions): RouterState {
  const local = new MemoryRouterState();
  if (!options.redisUrl) return local;
  const description = describeRedisUrl(options.redisUrl);
  const shared = new RedisRouterState({
    url: options.redisUrl,
    keyPrefix: options.keyPrefix,
    commandTimeoutMs: options.commandTimeoutMs,
  });
  return new FallbackRouterState(shared, local, { logger: options.logger, description });
}

/**
 * Where Redis is, in LiteLLM's order of precedence: `REDIS_URL` in the
 * environment, else `router_settings.redis_url`, else
 * `router_settings.redis_host` (+ `redis_port`, default 6379, + `redis_password`).
 * Undefined when none is set.
 */
export function resolveRedisUrl(
  env: NodeJS.ProcessEnv,
  routerSettings: Readonly<Record<string, unknown>>,
): string | undefined {
  const fromEnv = env.REDIS_URL?.trim();
  if (fromEnv) return fromEnv;
  const url = text(routerSettings.redis_url);
  if (url) return url;
  const host = text(routerSettings.redis_host);
  if (!host) return undefined;
  const port = text(routerSettings.redis_port) ?? "6379";
  const password = text(routerSettings.redis_password);
  const auth = password ? `:${encodeURIComponent(password)}@` : "";
  // IPv6 literals need brackets inside a URL.
  const hostPart = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `redis://${auth}${hostPart}:${port}`;
}

/** host:port (and db) for logs: never the credentials. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `redis://${url}`);
    const database = parsed.pathname.length > 1 ? parsed.pathname : "";
    return `${parsed.protocol}//${parsed.hostname}:${parsed.port || "6379"}${database}`;
  } catch {
    return "(unparseable Redis URL)";
  }
}

function text(value: unknown): string | undefined {
  if (typeof value === "number") return String(value);
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}
