import type { ConfigDiagnostics } from "./config-diagnostics.js";
import { childPath, isMapping } from "./config-tree.js";
import {
  describeValue,
  expectNonNegativeInteger,
  expectPositiveNumber,
  type FieldCheck,
} from "./field-checks.js";

/** The routing strategies, by LiteLLM's names. */
export type RoutingStrategyName =
  | "simple-shuffle"
  | "least-busy"
  | "latency-based-routing"
  | "usage-based-routing";

/**
 * `router_settings`, parsed and checked once at start. Durations are in ms
 * here, though LiteLLM writes them in seconds.
 */
export interface RouterSettings {
  /** `routing_strategy`; default simple-shuffle. */
  readonly routingStrategy: RoutingStrategyName;
  /**
   * `num_retries`: retries per model group after the first attempt. Default
   * 0, unlike LiteLLM's 2: without it a failing upstream's error reaches the
   * caller at once, as it did before routing existed; set it to retry.
   */
  readonly numRetries: number;
  /** `retry_after` (s): the least a retry of the same deployment waits; also the backoff base when larger. */
  readonly retryAfterMs: number;
  /** `allowed_fails`: failures per minute a deployment may have; one more cools it down (default 3). */
  readonly allowedFails: number;
  /** `cooldown_time` (s): how long a failing deployment is left out (default 5 s). */
  readonly cooldownMs: number;
  /** `disable_cooldowns`: never cool deployments down. */
  readonly cooldownsDisabled: boolean;
  /** `timeout` (s): whole-call deadline for deployments that set none. */
  readonly timeoutMs?: number;
  /** `stream_timeout` (s): time-to-first-chunk deadline for deployments that set none. */
  readonly streamTimeoutMs?: number;
  /**
   * `routing_strategy_args.lowest_latency_buffer`: deployments within this
   * fraction of the lowest latency share the load (0: always the fastest).
   */
  readonly lowestLatencyBuffer: number;
  /** `fallbacks`: group → groups to try, in order, when it fails. */
  readonly fallbacks: ReadonlyMap<string, readonly string[]>;
  /** `context_window_fallbacks`: group → groups with a larger context window. */
  readonly contextWindowFallbacks: ReadonlyMap<string, readonly string[]>;
  /** `default_fallbacks` (or a `"*"` entry of `fallbacks`): for groups without their own. */
  readonly defaultFallbacks: readonly string[];
  /** `model_group_alias`: a name callers may use for a model group; hidden ones stay out of /v1/models. */
  readonly modelGroupAlias: ReadonlyMap<string, { readonly group: string; readonly hidden: boolean }>;
}

const strategyNames: Readonly<Record<string, RoutingStrategyName>> = {
  "simple-shuffle": "simple-shuffle",
  "least-busy": "least-busy",
  "latency-based-routing": "latency-based-routing",
  "usage-based-routing": "usage-based-routing",
  "usage-based-routing-v2": "usage-based-routing",
};

/** LiteLLM's defaults (litellm/constants.py), but for num_retries (see RouterSettings). */
const DEFAULT_NUM_RETRIES = 0;
const DEFAULT_ALLOWED_FAILS = 3;
const DEFAULT_COOLDOWN_SECONDS = 5;

/** Keys read here; `redis*` keys belong to the state store and are not checked here. */
const knownKeys = new Set([
  "routing_strategy",
  "routing_strategy_args",
  "num_retries",
  "retry_after",
  "allowed_fails",
  "cooldown_time",
  "disable_cooldowns",
  "timeout",
  "stream_timeout",
  "fallbacks",
  "context_window_fallbacks",
  "default_fallbacks",
  "model_group_alias",
]);

/**
 * Router keys LiteLLM also reads from `litellm_settings` (router_settings
 * wins), by their name there: `request_timeout` is the router's `timeout`.
 */
const litellmSettingsKeys: Readonly<Record<string, string>> = {
  num_retries: "num_retries",
  timeout: "request_timeout",
  fallbacks: "fallbacks",
  context_window_fallbacks: "context_window_fallbacks",
  default_fallbacks: "default_fallbacks",
  allowed_fails: "allowed_fails",
  cooldown_time: "cooldown_time",
  retry_after: "retry_after",
};

/** The `litellm_settings` keys parseRouterSettings reads. */
export const LITELLM_SETTINGS_ROUTER_KEYS: ReadonlySet<string> = new Set(Object.values(litellmSettingsKeys));

const expectNonNegativeNumber: FieldCheck = (value) => {
  const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  return typeof number === "number" && Number.isFinite(number) && number >= 0
    ? { value: number }
    : { expected: "a non-negative number" };
};

/**
 * Checks `router_settings` (resolved YAML) against the model groups of
 * `model_list`. Problems and warnings go to `diagnostics`, each naming its
 * key; the result is meaningful only when no problem was found.
 */
export function parseRouterSettings(
  routerSettings: Record<string, unknown>,
  modelGroups: ReadonlySet<string>,
  diagnostics: ConfigDiagnostics,
  litellmSettings: Record<string, unknown> = {},
  /** Groups may be added after start (stored models): a fallback naming an unknown one is a warning. */
  laterGroups = false,
): RouterSettings {
  const groups: GroupNames = { known: modelGroups, laterGroups };
  for (const key of Object.keys(routerSettings)) {
    if (!knownKeys.has(key) && !redisKeys.has(key)) diagnostics.ignored(childPath("router_settings", key));
  }
  checkRedis(routerSettings, diagnostics);
  // Each key from router_settings, else from litellm_settings; `paths` says where it was read.
  const raw: Record<string, unknown> = {};
  const paths: Record<string, string> = {};
  for (const key of knownKeys) {
    const litellmKey = litellmSettingsKeys[key];
    const fromRouter = routerSettings[key] !== undefined && routerSettings[key] !== null;
    if (!fromRouter && litellmKey !== undefined && litellmSettings[litellmKey] !== undefined) {
      raw[key] = litellmSettings[litellmKey];
      paths[key] = childPath("litellm_settings", litellmKey);
    } else {
      raw[key] = routerSettings[key];
      paths[key] = childPath("router_settings", key);
    }
  }
  const number = (key: string, check: FieldCheck): number | undefined => {
    const value = raw[key];
    if (value === undefined || value === null) return undefined;
    const checked = check(value);
    if ("expected" in checked) {
      diagnostics.problem(paths[key]!, `expected ${checked.expected}, got ${describeValue(value, false)}`);
      return undefined;
    }
    return checked.value as number;
  };
  const seconds = (key: string, check: FieldCheck): number | undefined => {
    const value = number(key, check);
    return value === undefined ? undefined : value * 1000;
  };

  const fallbacks = fallbackMap(raw.fallbacks, paths.fallbacks!, groups, diagnostics);
  const defaultFallbacks =
    groupList(raw.default_fallbacks, paths.default_fallbacks!, groups, diagnostics) ??
    fallbacks.get("*") ??
    [];
  fallbacks.delete("*");
  return {
    routingStrategy: strategy(raw.routing_strategy, diagnostics),
    numRetries: number("num_retries", expectNonNegativeInteger) ?? DEFAULT_NUM_RETRIES,
    retryAfterMs: seconds("retry_after", expectNonNegativeNumber) ?? 0,
    allowedFails: number("allowed_fails", expectNonNegativeInteger) ?? DEFAULT_ALLOWED_FAILS,
    cooldownMs: seconds("cooldown_time", expectNonNegativeNumber) ?? DEFAULT_COOLDOWN_SECONDS * 1000,
    cooldownsDisabled: flag(raw.disable_cooldowns, paths.disable_cooldowns!, diagnostics),
    timeoutMs: seconds("timeout", expectPositiveNumber),
    streamTimeoutMs: seconds("stream_timeout", expectPositiveNumber),
    lowestLatencyBuffer: latencyBuffer(raw.routing_strategy_args, diagnostics),
    fallbacks,
    contextWindowFallbacks: fallbackMap(
      raw.context_window_fallbacks,
      paths.context_window_fallbacks!,
      groups,
      diagnostics,
    ),
    defaultFallbacks,
    modelGroupAlias: groupAliases(raw.model_group_alias, modelGroups, diagnostics),
  };
}

/** The keys the state store reads (create-router-state.ts). */
const redisKeys = new Set(["redis_url", "redis_host", "redis_port", "redis_password", "redis_db"]);

/**
 * Catches what would otherwise fail later as a bare "Invalid URL" without a
 * key: a placeholder host or a port that is not a number.
 */
function checkRedis(settings: Record<string, unknown>, diagnostics: ConfigDiagnostics): void {
  const port = settings.redis_port;
  if (port !== undefined && port !== null && !/^\d{1,5}$/.test(String(port).trim())) {
    diagnostics.problem(
      "router_settings.redis_port",
      `expected a port number, got ${describeValue(port, false)}`,
    );
  }
  const host = settings.redis_host;
  if (typeof host === "string" && host.trim() !== "" && !URL.canParse(`redis://${hostPart(host.trim())}`)) {
    diagnostics.problem(
      "router_settings.redis_host",
      `expected a host name, got ${describeValue(host, false)}`,
    );
  }
  const url = settings.redis_url;
  if (typeof url === "string" && url.trim() !== "" && !URL.canParse(url.trim())) {
    // The URL may hold a password: say what is wrong, not what it is.
    diagnostics.problem("router_settings.redis_url", "expected a URL such as redis://host:6379");
  }
}

function hostPart(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** `model_group_alias: {alias: group}` or `{alias: {model: group, hidden: true}}`. */
function groupAliases(
  value: unknown,
  modelGroups: ReadonlySet<string>,
  diagnostics: ConfigDiagnostics,
): Map<string, { group: string; hidden: boolean }> {
  const aliases = new Map<string, { group: string; hidden: boolean }>();
  if (value === undefined || value === null) return aliases;
  const path = "router_settings.model_group_alias";
  if (!isMapping(value)) {
    diagnostics.problem(
      path,
      `expected a mapping of alias to model group, got ${describeValue(value, false)}`,
    );
    return aliases;
  }
  for (const [alias, target] of Object.entries(value)) {
    const group = isMapping(target) ? target.model : target;
    const hidden = isMapping(target) && target.hidden === true;
    if (typeof group !== "string" || !modelGroups.has(group)) {
      diagnostics.problem(
        childPath(path, alias),
        `unknown model group ${describeValue(group, false)} (not a model_name in model_list)`,
      );
    } else aliases.set(alias, { group, hidden });
  }
  return aliases;
}

function strategy(value: unknown, diagnostics: ConfigDiagnostics): RoutingStrategyName {
  if (value === undefined || value === null) return "simple-shuffle";
  const name = typeof value === "string" ? strategyNames[value] : undefined;
  if (name) return name;
  const known = Object.keys(strategyNames).join(", ");
  const problem =
    typeof value === "string"
      ? `unknown strategy ${JSON.stringify(value)} (known: ${known})`
      : `expected a string, got ${describeValue(value, false)} (known: ${known})`;
  diagnostics.problem("router_settings.routing_strategy", problem);
  return "simple-shuffle";
}

function flag(value: unknown, path: string, diagnostics: ConfigDiagnostics): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "boolean") return value;
  diagnostics.problem(path, `expected true or false, got ${describeValue(value, false)}`);
  return false;
}

function latencyBuffer(args: unknown, diagnostics: ConfigDiagnostics): number {
  const path = "router_settings.routing_strategy_args";
  if (args === undefined || args === null) return 0;
  if (!isMapping(args)) {
    diagnostics.problem(path, `expected a mapping, got ${describeValue(args, false)}`);
    return 0;
  }
  const value = args.lowest_latency_buffer;
  if (value === undefined || value === null) return 0;
  const checked = expectNonNegativeNumber(value);
  if ("expected" in checked) {
    diagnostics.problem(
      childPath(path, "lowest_latency_buffer"),
      `expected ${checked.expected}, got ${describeValue(value, false)}`,
    );
    return 0;
  }
  return checked.value as number;
}

/**
 * LiteLLM writes fallbacks as a list of one-key mappings,
 * `[{gpt-4o: [gpt-4o-mini, claude]}]`; a plain mapping is accepted too.
 */
function fallbackMap(
  value: unknown,
  path: string,
  groups: GroupNames,
  diagnostics: ConfigDiagnostics,
): Map<string, readonly string[]> {
  const map = new Map<string, readonly string[]>();
  if (value === undefined || value === null) return map;
  const entries: Array<[string, Record<string, unknown>]> = [];
  if (Array.isArray(value)) {
    value.forEach((entry, index) => {
      const entryPath = childPath(path, index);
      if (isMapping(entry) && Object.keys(entry).length > 0) entries.push([entryPath, entry]);
      else {
        diagnostics.problem(
          entryPath,
          `expected a mapping of a model group to its fallback groups, e.g. {gpt-4o: [gpt-4o-mini]}, got ${describeValue(entry, false)}`,
        );
      }
    });
  } else if (isMapping(value)) {
    entries.push([path, value]);
  } else {
    diagnostics.problem(path, `expected a list, got ${describeValue(value, false)}`);
    return map;
  }
  for (const [entryPath, entry] of entries) {
    for (const [group, targets] of Object.entries(entry)) {
      const groupPath = childPath(entryPath, group);
      if (group !== "*" && !groups.known.has(group)) unknownGroup(group, groupPath, groups, diagnostics);
      const list = groupList(targets, groupPath, groups, diagnostics);
      if (list) map.set(group, list);
    }
  }
  return map;
}

/** The groups a config names, and whether stored models may add others after start. */
interface GroupNames {
  readonly known: ReadonlySet<string>;
  readonly laterGroups: boolean;
}

/** A fallback names a group model_list lacks: refused, or a warning where a stored model may add it. */
function unknownGroup(group: string, path: string, groups: GroupNames, diagnostics: ConfigDiagnostics): void {
  const unknown = `unknown model group ${JSON.stringify(group)} (not a model_name in model_list)`;
  if (groups.laterGroups) diagnostics.warn(path, `${unknown}; used once a stored model (/model/new) adds it`);
  else diagnostics.problem(path, unknown);
}

function groupList(
  value: unknown,
  path: string,
  groups: GroupNames,
  diagnostics: ConfigDiagnostics,
): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list)) {
    diagnostics.problem(path, `expected a list of model groups, got ${describeValue(value, false)}`);
    return undefined;
  }
  const names: string[] = [];
  list.forEach((group, index) => {
    if (typeof group !== "string") {
      diagnostics.problem(
        childPath(path, index),
        `expected a model group name, got ${describeValue(group, false)}`,
      );
    } else {
      if (!groups.known.has(group)) unknownGroup(group, childPath(path, index), groups, diagnostics);
      if (groups.known.has(group) || groups.laterGroups) names.push(group);
    }
  });
  return names;
}
