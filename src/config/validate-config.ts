import { parseCacheSettings } from "../cache/cache-settings.js";
import { parseGuardrails } from "../guardrails/guardrail-settings.js";
import { TRACE_CALLBACKS } from "../integrations/otel/trace-settings.js";
import type { ConfigDiagnostics } from "./config-diagnostics.js";
import { childPath, isMapping } from "./config-tree.js";
import type { DeploymentConfig, GatewayConfig } from "./config-types.js";
import { deploymentHash } from "./deployment-id.js";
import { describeValue } from "./field-checks.js";
import { LITELLM_SETTINGS_ROUTER_KEYS, parseRouterSettings } from "./router-settings.js";
import { storeModelInDb } from "./store-model-in-db.js";
import { validateAgents } from "./validate-agents.js";
import { type CheckedDeployment, validateDeployment } from "./validate-deployment.js";
import { validatePrompts } from "./validate-prompts.js";

/** Top-level keys Switchyard reads; LiteLLM files carry many more, which only warn. */
const knownSections = new Set([
  "model_list",
  "general_settings",
  "router_settings",
  "litellm_settings",
  "environment_variables",
  "credential_list",
  "agents",
  "prompts",
  "guardrails",
]);

/** general_settings keys something reads (auth, the store, the spend log, request limits, health checks). */
const knownGeneralSettings = new Set([
  "master_key",
  "database_url",
  "database_connection_pool_limit",
  "database_connection_timeout",
  "proxy_batch_write_at",
  "store_model_in_db",
  "max_request_size_mb",
  "background_health_checks",
  "health_check_interval",
]);

/**
 * litellm_settings keys something reads: logging, callbacks, prompts,
 * metrics, drop_params, and the router keys LiteLLM also takes here.
 */
const knownLitellmSettings = new Set([
  "set_verbose",
  "json_logs",
  "drop_params",
  "callbacks",
  "success_callback",
  "failure_callback",
  "log_message_content",
  "otel_capture_message_content",
  "turn_off_message_logging",
  "global_prompt_directory",
  "require_auth_for_metrics_endpoint",
  "cache",
  "cache_params",
  ...LITELLM_SETTINGS_ROUTER_KEYS,
]);

/** Callback names Switchyard serves: trace exporters, and prometheus (GET /metrics is always on). */
export const servedCallbacks: ReadonlySet<string> = new Set([...TRACE_CALLBACKS, "prometheus"]);
const callbackKeys = ["callbacks", "success_callback", "failure_callback"] as const;

export interface ValidateConfigOptions {
  source: string;
  /** The environment after `environment_variables:` was applied. */
  env: NodeJS.ProcessEnv;
  environmentVariables: Record<string, string>;
  knownProviders?: ReadonlySet<string>;
  /** Refuse entries whose provider Switchyard cannot serve, instead of starting without them. */
  strict?: boolean;
  diagnostics: ConfigDiagnostics;
}

/**
 * Checks a resolved config document and builds the GatewayConfig. Problems go
 * to the diagnostics; the caller throws if there are any, so the returned
 * value is only meaningful when none were found.
 */
export function validateConfig(root: Record<string, unknown>, options: ValidateConfigOptions): GatewayConfig {
  const { diagnostics } = options;
  for (const key of Object.keys(root)) {
    if (!knownSections.has(key)) diagnostics.ignored(key);
  }
  const modelEntries = listSection(root, "model_list", diagnostics);
  if (modelEntries.length === 0 && isMissing(root.model_list)) {
    diagnostics.warn("model_list", "no models configured; only agents can be served");
  }
  const checked = modelEntries.map((entry, index) =>
    validateDeployment(entry, childPath("model_list", index), options),
  );
  const general = mappingSection(root, "general_settings", diagnostics);
  ignoreUnknown(general, "general_settings", knownGeneralSettings, diagnostics);
  const modelList = assignIds(servedOnly(checked, options), diagnostics);
  const routerSettings = mappingSection(root, "router_settings", diagnostics);
  // Disabled entries' groups still exist for references (fallbacks, agents): they just have no deployment.
  const modelGroups = new Set(checked.flatMap((entry) => (entry ? [entry.modelName] : [])));
  const litellmSettings = readLitellmSettings(
    mappingSection(root, "litellm_settings", diagnostics),
    diagnostics,
  );
  // Stored models (/model/new) may add groups later: fallbacks may name them, as LiteLLM lets any name through.
  const laterGroups = storeModelInDb(general, options.env);
  const router = parseRouterSettings(routerSettings, modelGroups, diagnostics, litellmSettings, laterGroups);
  // drop_params for every deployment that does not decide for itself (providers read it from their params).
  if (litellmSettings.drop_params === true) {
    for (const deployment of modelList) deployment.params.extra.drop_params ??= true;
  }
  diagnostics.reportIgnored();
  return {
    modelList,
    generalSettings: { masterKey: masterKey(general, options), raw: general },
    routerSettings,
    router,
    litellmSettings,
    cache: parseCacheSettings(litellmSettings, routerSettings, options.env, diagnostics),
    guardrails: parseGuardrails(root.guardrails, diagnostics, options.env),
    credentialList: listSection(root, "credential_list", diagnostics),
    agents: validateAgents(listSection(root, "agents", diagnostics), modelGroups, diagnostics),
    prompts: validatePrompts(listSection(root, "prompts", diagnostics), litellmSettings, options),
    environmentVariables: options.environmentVariables,
    source: options.source,
    warnings: diagnostics.warnings,
  };
}

function ignoreUnknown(
  section: Record<string, unknown>,
  path: string,
  known: ReadonlySet<string>,
  diagnostics: ConfigDiagnostics,
): void {
  for (const key of Object.keys(section)) if (!known.has(key)) diagnostics.ignored(childPath(path, key));
}

/**
 * Names unknown keys and callbacks Switchyard does not serve, and reads a
 * callback list given as one string (`callbacks: "langfuse"`) as a list of
 * one, as LiteLLM does.
 */
function readLitellmSettings(
  settings: Record<string, unknown>,
  diagnostics: ConfigDiagnostics,
): Record<string, unknown> {
  ignoreUnknown(settings, "litellm_settings", knownLitellmSettings, diagnostics);
  const read = { ...settings };
  for (const key of callbackKeys) {
    const value = read[key];
    if (typeof value === "string") read[key] = value.split(",").map((name) => name.trim());
    const list = read[key];
    if (!Array.isArray(list)) continue;
    list.forEach((name, index) => {
      // An unset os.environ/ reference was warned about already.
      if (name === undefined || name === null) return;
      if (typeof name !== "string" || !servedCallbacks.has(name.trim())) {
        diagnostics.ignored(
          `${childPath(childPath("litellm_settings", key), index)} (${describeValue(name, false)})`,
        );
      }
    });
  }
  return read;
}

/**
 * Entries whose provider Switchyard cannot serve are left out, all named in
 * one warning; under `strict` each is a problem. With entries but none
 * servable, the config is refused in one line.
 */
function servedOnly(
  checked: Array<CheckedDeployment | undefined>,
  { strict, diagnostics }: ValidateConfigOptions,
): Array<CheckedDeployment | undefined> {
  const unserved = checked.filter((entry) => entry?.unserved !== undefined);
  if (unserved.length === 0) return checked;
  const named = unserved.map((entry) => `${entry!.unserved!.path} (${entry!.unserved!.reason})`);
  if (strict) {
    for (const entry of unserved) diagnostics.problem(entry!.unserved!.path, entry!.unserved!.reason);
  } else if (unserved.length === checked.filter((entry) => entry !== undefined).length) {
    diagnostics.problem("model_list", `no entry can be served: ${named.join("; ")}`);
  } else {
    diagnostics.warn(
      "model_list",
      `${unserved.length} ${unserved.length === 1 ? "entry" : "entries"} disabled, ` +
        `provider not served by Switchyard (--strict-config refuses instead): ${named.join("; ")}`,
    );
  }
  // Left as holes, so later entries keep their index in messages.
  return checked.map((entry) => (entry?.unserved === undefined ? entry : undefined));
}

function isMissing(value: unknown): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
}

function listSection(root: Record<string, unknown>, key: string, diagnostics: ConfigDiagnostics): unknown[] {
  const value = root[key];
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  diagnostics.problem(key, `expected a list, got ${describeValue(value, false)}`);
  return [];
}

function mappingSection(
  root: Record<string, unknown>,
  key: string,
  diagnostics: ConfigDiagnostics,
): Record<string, unknown> {
  const value = root[key];
  if (value === undefined || value === null) return {};
  if (isMapping(value)) return value;
  diagnostics.problem(key, `expected a mapping, got ${describeValue(value, false)}`);
  return {};
}

/**
 * Precedence: `general_settings.master_key` (after env resolution, so
 * `os.environ/NAME` works), then `LITELLM_MASTER_KEY` from the environment
 * (including `environment_variables:`), as LiteLLM does. An empty or unset
 * value counts as absent.
 */
function masterKey(general: Record<string, unknown>, options: ValidateConfigOptions): string | undefined {
  const configured = general.master_key;
  if (configured !== undefined && configured !== null && typeof configured !== "string") {
    options.diagnostics.problem(
      "general_settings.master_key",
      `expected a string, got ${describeValue(configured, true)}`,
    );
    return undefined;
  }
  return configured || options.env.LITELLM_MASTER_KEY || undefined;
}

/**
 * Explicit ids must be unique. Generated ids of identical entries would
 * collide, so later copies get a `-2`, `-3`… suffix (stable, since file order
 * is) and a warning.
 */
function assignIds(
  checked: Array<CheckedDeployment | undefined>,
  diagnostics: ConfigDiagnostics,
): DeploymentConfig[] {
  const owners = new Map<string, number>();
  checked.forEach((deployment, index) => {
    const id = deployment?.explicitId;
    if (id === undefined) return;
    const owner = owners.get(id);
    if (owner === undefined) owners.set(id, index);
    else {
      const path = childPath(childPath("model_list", index), "model_info.id");
      diagnostics.problem(path, `duplicate id "${id}" (also used by model_list[${owner}])`);
    }
  });
  const deployments: DeploymentConfig[] = [];
  checked.forEach((deployment, index) => {
    if (deployment === undefined) return;
    const { explicitId, rawParams, ...rest } = deployment;
    let id = explicitId;
    if (id === undefined) {
      const hash = deploymentHash(deployment.modelName, rawParams);
      id = hash;
      for (let copy = 2; owners.has(id); copy++) id = `${hash}-${copy}`;
      if (id !== hash) {
        const twin = `model_list[${owners.get(hash)}]`;
        diagnostics.warn(`model_list[${index}]`, `same model_name and litellm_params as ${twin}; id "${id}"`);
      }
      owners.set(id, index);
    }
    deployments.push({ ...rest, id });
  });
  return deployments;
}
