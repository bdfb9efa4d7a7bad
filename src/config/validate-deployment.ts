import type { ConfigDiagnostics } from "./config-diagnostics.js";
import { childPath, isMapping, isSecretKey } from "./config-tree.js";
import type { DeploymentConfig, LitellmParams } from "./config-types.js";
import {
  describeValue,
  expectNonEmptyString,
  expectNonNegativeInteger,
  expectPositiveInteger,
  expectPositiveNumber,
  expectString,
  type FieldCheck,
} from "./field-checks.js";
import { READ_PARAM_KEYS } from "./litellm-param-keys.js";
import { isLitellmProvider, readModelSlug } from "./model-slug.js";

type ScalarParam = Exclude<keyof LitellmParams, "model" | "provider" | "providerModel" | "extra">;

/** The litellm_params keys Switchyard reads itself; every other key lands in `extra`. */
const paramRules: Record<string, { field: ScalarParam; check: FieldCheck }> = {
  api_base: { field: "apiBase", check: expectString },
  api_key: { field: "apiKey", check: expectString },
  api_version: { field: "apiVersion", check: expectString },
  timeout: { field: "timeout", check: expectPositiveNumber },
  stream_timeout: { field: "streamTimeout", check: expectPositiveNumber },
  rpm: { field: "rpm", check: expectPositiveInteger },
  tpm: { field: "tpm", check: expectPositiveInteger },
  weight: { field: "weight", check: expectPositiveNumber },
  order: { field: "order", check: expectPositiveInteger },
  max_retries: { field: "maxRetries", check: expectNonNegativeInteger },
  mock_response: { field: "mockResponse", check: expectString },
  litellm_credential_name: { field: "litellmCredentialName", check: expectString },
  num_retries: { field: "numRetries", check: expectNonNegativeInteger },
};

const entryKeys = new Set(["model_name", "litellm_params", "model_info"]);

export interface DeploymentContext {
  diagnostics: ConfigDiagnostics;
  /** When given, a deployment whose provider is not one of these is unserved (see CheckedDeployment). */
  knownProviders?: ReadonlySet<string>;
}

/** A checked model_list entry; its id is settled once all entries are known. */
export interface CheckedDeployment extends Omit<DeploymentConfig, "id"> {
  /** model_info.id, when the file gives one. */
  explicitId?: string;
  /** The resolved litellm_params as written, for the id hash. */
  rawParams: Record<string, unknown>;
  /**
   * Why Switchyard cannot serve this entry (its provider is not implemented),
   * with the path to name; the config then starts without it, or refuses
   * under --strict-config.
   */
  unserved?: { path: string; reason: string };
}

/**
 * Checks one model_list entry, reporting every problem to the diagnostics.
 * Returns undefined when the entry is too broken to describe a deployment.
 */
export function validateDeployment(
  entry: unknown,
  path: string,
  context: DeploymentContext,
): CheckedDeployment | undefined {
  const { diagnostics } = context;
  if (!isMapping(entry)) {
    diagnostics.problem(path, `expected a mapping, got ${describeValue(entry, false)}`);
    return undefined;
  }
  for (const key of Object.keys(entry)) {
    if (!entryKeys.has(key)) diagnostics.ignored(childPath(path, key));
  }
  const modelName = checkScalar(
    entry.model_name,
    childPath(path, "model_name"),
    expectNonEmptyString,
    context,
    true,
  );
  const modelInfo = checkMapping(entry.model_info, childPath(path, "model_info"), false, context) ?? {};
  const explicitId = checkId(modelInfo.id, childPath(path, "model_info.id"), context);
  const paramsPath = childPath(path, "litellm_params");
  const rawParams = checkMapping(entry.litellm_params, paramsPath, true, context);
  if (rawParams === undefined) return undefined;

  const modelPath = childPath(paramsPath, "model");
  const slug = checkModel(rawParams.model, rawParams.custom_llm_provider, modelPath, context);
  const unserved = slug === undefined ? undefined : unservedReason(slug.provider, context.knownProviders);
  const scalars: Partial<Record<ScalarParam, string | number>> = {};
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rawParams)) {
    if (key === "model" || value === undefined) continue;
    const rule = paramRules[key];
    if (rule === undefined) {
      extra[key] = value;
      // A disabled entry is named once, as disabled: its keys are not listed again.
      if (!READ_PARAM_KEYS.has(key) && unserved === undefined)
        diagnostics.ignored(childPath(paramsPath, key));
    } else scalars[rule.field] = checkScalar(value, childPath(paramsPath, key), rule.check, context);
  }
  if (typeof modelName !== "string" || slug === undefined) return undefined;
  // The rule table pairs each field with the check that yields its type.
  const params = { ...slug, ...scalars, extra } as LitellmParams;
  return {
    modelName,
    params,
    modelInfo,
    rawParams,
    ...(explicitId !== undefined && { explicitId }),
    ...(unserved !== undefined && { unserved: { path: modelPath, reason: unserved } }),
  };
}

/** Why a provider cannot be served, or undefined when it can (`*`: inferred per request). */
function unservedReason(
  provider: string,
  knownProviders: ReadonlySet<string> | undefined,
): string | undefined {
  if (knownProviders === undefined || provider === "*" || knownProviders.has(provider)) return undefined;
  return isLitellmProvider(provider)
    ? `provider "${provider}" is not served by Switchyard`
    : `unknown provider "${provider}" (known: ${listProviders(knownProviders)})`;
}

function checkScalar(
  value: unknown,
  path: string,
  check: FieldCheck,
  { diagnostics }: DeploymentContext,
  required = false,
): string | number | undefined {
  if (value === undefined || value === null) {
    if (required) diagnostics.required(path);
    return undefined;
  }
  const result = check(value);
  if ("value" in result) return result.value;
  // The path's last segment is the key: never echo what an api_key holds.
  const secret = isSecretKey(path.slice(path.lastIndexOf(".") + 1));
  diagnostics.problem(path, `expected ${result.expected}, got ${describeValue(value, secret)}`);
  return undefined;
}

function checkMapping(
  value: unknown,
  path: string,
  required: boolean,
  { diagnostics }: DeploymentContext,
): Record<string, unknown> | undefined {
  if (value === undefined || value === null) {
    if (required) diagnostics.required(path);
    return undefined;
  }
  if (isMapping(value)) return value;
  diagnostics.problem(path, `expected a mapping, got ${describeValue(value, false)}`);
  return undefined;
}

function checkId(value: unknown, path: string, { diagnostics }: DeploymentContext): string | undefined {
  if (value === undefined || value === null) return undefined;
  if ((typeof value === "string" && value !== "") || typeof value === "number") return String(value);
  diagnostics.problem(path, `expected a non-empty string, got ${describeValue(value, false)}`);
  return undefined;
}

function checkModel(
  value: unknown,
  customProvider: unknown,
  path: string,
  { diagnostics }: DeploymentContext,
): Pick<LitellmParams, "model" | "provider" | "providerModel"> | undefined {
  if (value === undefined || value === null) {
    diagnostics.required(path);
    return undefined;
  }
  if (typeof value !== "string" || value.trim() === "") {
    diagnostics.problem(
      path,
      `expected "provider/model" or a model name, got ${describeValue(value, false)}`,
    );
    return undefined;
  }
  const slug = readModelSlug(value, typeof customProvider === "string" ? customProvider : undefined);
  if ("problem" in slug) {
    diagnostics.problem(path, slug.problem);
    return undefined;
  }
  return { model: value, provider: slug.provider, providerModel: slug.providerModel };
}

function listProviders(providers: ReadonlySet<string>): string {
  const sorted = [...providers].sort();
  const shown = sorted.slice(0, 20).join(", ");
  return sorted.length > 20 ? `${shown}, …` : shown;
}
