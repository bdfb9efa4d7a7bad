import { ConfigDiagnostics } from "../config/config-diagnostics.js";
import { isSecretKey } from "../config/config-tree.js";
import type { DeploymentConfig } from "../config/config-types.js";
import { resolveEnvironmentReferences } from "../config/resolve-env.js";
import { validateDeployment } from "../config/validate-deployment.js";
import { maskSecret } from "../credentials/mask.js";

/**
 * A stored model's litellm_params field is a secret (encrypted at rest, masked
 * in answers) when its name says so — api_key, aws_secret_access_key,
 * aws_session_token, azure_ad_token, vertex_credentials, client_secret… —
 * and aws_access_key_id, which LiteLLM hides too. Prices named `…_per_token`
 * are not secrets.
 */
export function isSecretParam(field: string): boolean {
  if (field.endsWith("_per_token")) return false;
  return isSecretKey(field) || field === "aws_access_key_id";
}

/** litellm_params split for the store: secrets apart, each as text (a JSON object becomes its JSON). */
export interface SplitParams {
  readonly clear: Record<string, unknown>;
  readonly secrets: Record<string, string>;
}

/** Fields set to null are left out: LiteLLM drops `None` values before storing. */
export function splitSecrets(params: Readonly<Record<string, unknown>>): SplitParams {
  const clear: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const [field, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    if (isSecretParam(field)) secrets[field] = typeof value === "string" ? value : JSON.stringify(value);
    else clear[field] = value;
  }
  return { clear, secrets };
}

/** litellm_params as answers show them: secrets masked ("sk****yz", or "*****" under 12 characters). */
export function maskedParams(
  clear: Readonly<Record<string, unknown>>,
  secrets: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const masked: Record<string, unknown> = { ...clear };
  for (const [field, value] of Object.entries(secrets)) masked[field] = maskSecret(value);
  return masked;
}

export interface CheckModelOptions {
  /** Where `os.environ/NAME` values are resolved, as in the config file. */
  readonly env: NodeJS.ProcessEnv;
  /** Provider slugs this gateway serves; a model of another provider is refused. */
  readonly knownProviders: ReadonlySet<string>;
  /** litellm_settings.drop_params: set on every deployment that does not decide for itself. */
  readonly dropParams?: boolean;
}

/** A deployment as stored (params in clear), to check as a model_list entry. */
export interface ModelInput {
  readonly id: string;
  readonly modelName: unknown;
  readonly litellmParams: unknown;
  readonly modelInfo: Readonly<Record<string, unknown>>;
}

/**
 * Checks a stored (or about to be stored) deployment exactly as a model_list
 * entry of the config file is checked, `os.environ/` references resolved:
 * the deployment ready to build, or the problems found, each with its path
 * (`litellm_params.model: required`). Messages never hold a secret's value.
 */
export function checkModel(
  input: ModelInput,
  options: CheckModelOptions,
): { config: DeploymentConfig } | { problems: string[] } {
  const diagnostics = new ConfigDiagnostics();
  const litellmParams = resolveEnvironmentReferences(
    input.litellmParams,
    options.env,
    "litellm_params",
    diagnostics,
  );
  const modelInfo = { ...input.modelInfo, id: input.id };
  const checked = validateDeployment(
    { model_name: input.modelName, litellm_params: litellmParams, model_info: modelInfo },
    "",
    { diagnostics, knownProviders: options.knownProviders },
  );
  if (checked?.unserved) diagnostics.problem(checked.unserved.path, checked.unserved.reason);
  if (diagnostics.problems.length > 0 || checked === undefined) {
    return { problems: diagnostics.problems.length > 0 ? diagnostics.problems : ["not a deployment"] };
  }
  const { modelName, params } = checked;
  if (options.dropParams) params.extra.drop_params ??= true;
  return { config: { modelName, id: input.id, params, modelInfo } };
}

/** A model id as LiteLLM takes it (model_info.id, /model/delete's id): a string, or a number written without quotes. */
export function modelIdOf(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}
