import type { CallKind } from "../accounting/call-record.js";
import type { ConfigDiagnostics } from "../config/config-diagnostics.js";
import { childPath, isMapping } from "../config/config-tree.js";
import {
  describeValue,
  expectNonEmptyString,
  expectPositiveInteger,
  expectPositiveNumber,
  type FieldCheck,
} from "../config/field-checks.js";
import { resolveRedisUrl } from "../router/create-router-state.js";

/** `litellm_settings.cache` + `cache_params`, checked at config load. */
export interface CacheSettings {
  readonly type: "local" | "redis";
  /** Where the shared cache lives (type redis). */
  readonly redisUrl?: string;
  /** Default time to live of an entry, seconds; undefined: Redis keeps entries until evicted, local 600 s. */
  readonly ttlSeconds?: number;
  /** Prepended to every key (`<namespace>:<hash>`), as LiteLLM does. */
  readonly namespace?: string;
  /** Which calls are cached. */
  readonly callKinds: ReadonlySet<CallKind>;
  /** `mode: default_off`: only requests that ask (`cache: {use-cache: true}`) use the cache. */
  readonly defaultOff: boolean;
  /** Local cache bounds: entries and bytes (least recently used goes first). */
  readonly maxEntries: number;
  readonly maxBytes: number;
}

/** LiteLLM's call type names (sync and async spellings) → the calls Switchyard caches. */
const CALL_TYPES: Readonly<Record<string, CallKind | null>> = {
  completion: "chat",
  acompletion: "chat",
  text_completion: "text",
  atext_completion: "text",
  embedding: "embeddings",
  aembedding: "embeddings",
  // LiteLLM caches these too; Switchyard serves no transcription and does not cache rerank.
  transcription: null,
  atranscription: null,
  rerank: null,
  arerank: null,
};

const SERVED_TYPES = ["local", "redis"] as const;
/** LiteLLM's other backends, named so the error says what is and is not served. */
const UNSERVED_TYPES = new Set(["redis-semantic", "qdrant-semantic", "s3", "gcs", "disk", "azure-blob"]);

const KNOWN_PARAMS = new Set([
  "type",
  "host",
  "port",
  "password",
  "url",
  "redis_url",
  "ttl",
  "default_in_memory_ttl",
  "namespace",
  "supported_call_types",
  "mode",
  "max_size_in_memory",
  "max_bytes_in_memory",
]);

/** A password as YAML may type it: text, or digits read as a number. */
const expectScalar: FieldCheck = (value) =>
  typeof value === "string" || typeof value === "number" ? { value } : { expected: "a string" };

/** LiteLLM's InMemoryCache keeps 200 entries and 600 s by default. */
const DEFAULT_MAX_ENTRIES = 200;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Reads the cache settings; undefined when caching is off. Problems name
 * their key path (`litellm_settings.cache_params.ttl: expected …`).
 */
export function parseCacheSettings(
  litellmSettings: Readonly<Record<string, unknown>>,
  routerSettings: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv,
  diagnostics: ConfigDiagnostics,
): CacheSettings | undefined {
  const base = "litellm_settings";
  const enabled = litellmSettings.cache;
  const paramsPath = childPath(base, "cache_params");
  const rawParams = litellmSettings.cache_params;
  if (rawParams !== undefined && rawParams !== null && !isMapping(rawParams)) {
    diagnostics.problem(paramsPath, `expected a mapping, got ${describeValue(rawParams, false)}`);
    return undefined;
  }
  const params: Record<string, unknown> = isMapping(rawParams) ? rawParams : {};
  if (enabled === undefined || enabled === null || enabled === false || enabled === "false") {
    if (Object.keys(params).length > 0)
      diagnostics.warn(paramsPath, "ignored: litellm_settings.cache is not true");
    return undefined;
  }
  if (enabled !== true && enabled !== "true" && enabled !== "True") {
    diagnostics.problem(
      childPath(base, "cache"),
      `expected true or false, got ${describeValue(enabled, false)}`,
    );
    return undefined;
  }
  for (const key of Object.keys(params)) {
    if (!KNOWN_PARAMS.has(key)) diagnostics.ignored(childPath(paramsPath, key));
  }
  const field = <Value>(key: string, check: FieldCheck): Value | undefined => {
    const value = params[key];
    if (value === undefined || value === null) return undefined;
    const checked = check(value);
    if ("expected" in checked) {
      diagnostics.problem(
        childPath(paramsPath, key),
        `expected ${checked.expected}, got ${describeValue(value, key === "password")}`,
      );
      return undefined;
    }
    return checked.value as Value;
  };
  const type = cacheType(params.type, childPath(paramsPath, "type"), diagnostics);
  const ttlSeconds = field<number>("ttl", expectPositiveNumber);
  const localTtl = field<number>("default_in_memory_ttl", expectPositiveNumber);
  const namespace = field<string>("namespace", expectNonEmptyString);
  const mode = field<string>("mode", expectNonEmptyString);
  if (mode !== undefined && mode !== "default_on" && mode !== "default_off") {
    diagnostics.problem(
      childPath(paramsPath, "mode"),
      `expected default_on or default_off, got ${describeValue(mode, false)}`,
    );
  }
  if (type === null) return undefined;
  const redisUrl = cacheRedisUrl(field, env, routerSettings);
  // LiteLLM's default is Redis; without one configured, the local cache.
  const chosen = type ?? (redisUrl ? "redis" : "local");
  const settings = {
    type: chosen,
    ttlSeconds: ttlSeconds ?? (chosen === "local" ? localTtl : undefined),
    namespace,
    callKinds: callKinds(
      params.supported_call_types,
      childPath(paramsPath, "supported_call_types"),
      diagnostics,
    ),
    defaultOff: mode === "default_off",
    maxEntries: field<number>("max_size_in_memory", expectPositiveInteger) ?? DEFAULT_MAX_ENTRIES,
    maxBytes: field<number>("max_bytes_in_memory", expectPositiveInteger) ?? DEFAULT_MAX_BYTES,
  };
  if (settings.type === "local") return settings;
  if (!redisUrl) {
    diagnostics.problem(
      childPath(paramsPath, "type"),
      "redis needs a Redis: cache_params host/port/password or url, REDIS_URL or REDIS_HOST, or router_settings.redis_*",
    );
  }
  return { ...settings, redisUrl };
}

/** The type as written; undefined when unset, null when wrong (a problem was reported). */
function cacheType(
  value: unknown,
  path: string,
  diagnostics: ConfigDiagnostics,
): "local" | "redis" | null | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === "local" || value === "redis") return value;
  const unserved = typeof value === "string" && UNSERVED_TYPES.has(value);
  diagnostics.problem(
    path,
    `expected one of ${SERVED_TYPES.join(", ")}, got ${describeValue(value, false)}${unserved ? " (not served by Switchyard)" : ""}`,
  );
  return null;
}

function callKinds(value: unknown, path: string, diagnostics: ConfigDiagnostics): ReadonlySet<CallKind> {
  if (value === undefined || value === null) return new Set<CallKind>(["chat", "text", "embeddings"]);
  if (!Array.isArray(value)) {
    diagnostics.problem(path, `expected a list of call types, got ${describeValue(value, false)}`);
    return new Set();
  }
  const kinds = new Set<CallKind>();
  value.forEach((name, index) => {
    const kind = typeof name === "string" ? CALL_TYPES[name] : undefined;
    if (kind === undefined) {
      diagnostics.problem(
        childPath(path, index),
        `expected one of ${Object.keys(CALL_TYPES).join(", ")}, got ${describeValue(name, false)}`,
      );
    } else if (kind !== null) kinds.add(kind);
  });
  return kinds;
}

/**
 * cache_params' own Redis (url, else host/port/password), else LiteLLM's
 * REDIS_HOST / REDIS_PORT / REDIS_PASSWORD, else the router's Redis.
 */
function cacheRedisUrl(
  field: <Value>(key: string, check: FieldCheck) => Value | undefined,
  env: NodeJS.ProcessEnv,
  routerSettings: Readonly<Record<string, unknown>>,
): string | undefined {
  const url = field<string>("url", expectNonEmptyString) ?? field<string>("redis_url", expectNonEmptyString);
  if (url) return url;
  const host = field<string>("host", expectNonEmptyString);
  const port = field<number>("port", expectPositiveInteger);
  const password = field<string | number>("password", expectScalar);
  if (host) return resolveRedisUrl({}, { redis_host: host, redis_port: port, redis_password: password });
  if (env.REDIS_HOST && !env.REDIS_URL) {
    return resolveRedisUrl(
      {},
      {
        redis_host: env.REDIS_HOST,
        redis_port: env.REDIS_PORT,
        redis_password: env.REDIS_PASSWORD,
      },
    );
  }
  return resolveRedisUrl(env, routerSettings);
}
