import { parseRouterSettings } from "../router/router-settings.js";
import type { ConfigDiagnostics } from "./config-diagnostics.js";
import { childPath, isMapping } from "./config-tree.js";
import type { DeploymentConfig, GatewayConfig } from "./config-types.js";
import { deploymentHash } from "./deployment-id.js";
import { describeValue } from "./field-checks.js";
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
]);

export interface ValidateConfigOptions {
  source: string;
  /** The environment after `environment_variables:` was applied. */
  env: NodeJS.ProcessEnv;
  environmentVariables: Record<string, string>;
  knownProviders?: ReadonlySet<string>;
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
    if (!knownSections.has(key)) diagnostics.warn(key, "unknown top-level key, ignored");
  }
  const modelEntries = listSection(root, "model_list", diagnostics);
  if (modelEntries.length === 0 && isMissing(root.model_list)) {
    diagnostics.warn("model_list", "no models configured; only agents can be served");
  }
  const checked = modelEntries.map((entry, index) =>
    validateDeployment(entry, childPath("model_list", index), options),
  );
  const general = mappingSection(root, "general_settings", diagnostics);
  const modelList = assignIds(checked, diagnostics);
  const routerSettings = mappingSection(root, "router_settings", diagnostics);
  const modelGroups = new Set(modelList.map((deployment) => deployment.modelName));
  const litellmSettings = mappingSection(root, "litellm_settings", diagnostics);
  return {
    modelList,
    generalSettings: { masterKey: masterKey(general, options), raw: general },
    routerSettings,
    router: parseRouterSettings(routerSettings, modelGroups, diagnostics),
    litellmSettings,
    credentialList: listSection(root, "credential_list", diagnostics),
    agents: validateAgents(listSection(root, "agents", diagnostics), modelGroups, diagnostics),
    prompts: validatePrompts(listSection(root, "prompts", diagnostics), litellmSettings, options),
    environmentVariables: options.environmentVariables,
    source: options.source,
    warnings: diagnostics.warnings,
  };
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
