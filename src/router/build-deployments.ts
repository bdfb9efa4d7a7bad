import { priceOf } from "../accounting/model-price.js";
import { unitPricesOf } from "../accounting/unit-prices.js";
import type { DeploymentConfig } from "../config/config-types.js";
import type { CredentialSource } from "../credentials/credential-resolver.js";
import type { Provider, UpstreamTarget } from "../providers/provider.js";
import { mockProvider } from "../providers/registry.js";
import { credentialTarget } from "./credential-target.js";
import type { Deployment } from "./deployment.js";
import { isModelPattern } from "./model-pattern.js";
import { perRequestProvider, wildcardResolver } from "./wildcard-deployment.js";

/** LiteLLM's default request timeout is 6000 s; ten minutes is kinder to callers. */
const DEFAULT_TIMEOUT_MS = 600_000;

/** router_settings.timeout / stream_timeout: defaults for deployments that set their own none. */
export interface RouterTimeouts {
  readonly timeoutMs?: number;
  readonly streamTimeoutMs?: number;
}

/**
 * Resolves each model_list entry to its provider and upstream target, once at
 * start. An entry with `litellm_credential_name` gets a `target()` that
 * completes the entry with the credential's current values from `credentials`
 * (see credential-target.ts); without `credentials` such entries use what they
 * set themselves.
 */
export function buildDeployments(
  modelList: readonly DeploymentConfig[],
  providers: ReadonlyMap<string, Provider>,
  defaults: RouterTimeouts = {},
  credentials?: CredentialSource,
): Deployment[] {
  return modelList.map((entry) => {
    const params = entry.params;
    const provider =
      params.mockResponse !== undefined
        ? mockProvider
        : params.provider === "*"
          ? perRequestProvider
          : providers.get(params.provider);
    // The config loader validates slugs against the registry; this guards programmatic configs.
    if (!provider) throw new Error(`model_list: no provider "${params.provider}" for ${entry.modelName}`);
    const timeoutMs =
      params.timeout !== undefined ? params.timeout * 1000 : (defaults.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const target: UpstreamTarget = {
      deploymentId: entry.id,
      model: params.providerModel,
      apiBase: params.apiBase?.replace(/\/+$/, ""),
      apiKey: params.apiKey,
      apiVersion: params.apiVersion,
      params: { ...params.extra, mock_response: params.mockResponse },
    };
    const currentTarget =
      params.litellmCredentialName !== undefined && credentials
        ? credentialTarget(target, params.litellmCredentialName, entry.modelName, credentials)
        : () => target;
    const deployment: Deployment = {
      id: entry.id,
      modelGroup: entry.modelName,
      providerName: params.provider,
      provider,
      target: currentTarget,
      weight: params.weight ?? params.rpm ?? params.tpm ?? 1,
      timeoutMs,
      streamTimeoutMs:
        params.streamTimeout !== undefined
          ? params.streamTimeout * 1000
          : (defaults.streamTimeoutMs ?? timeoutMs),
      rpm: params.rpm,
      tpm: params.tpm,
      order: params.order,
      price: priceOf(entry),
      unitPrices: unitPricesOf(entry),
      numRetries: params.numRetries,
      accessGroups: accessGroupsOf(entry.modelInfo),
    };
    if (isModelPattern(entry.modelName) && params.mockResponse === undefined) {
      const resolve = wildcardResolver(deployment, params.providerModel, providers);
      Object.defineProperty(deployment, "resolve", { value: resolve, enumerable: true });
    }
    return deployment;
  });
}

function accessGroupsOf(modelInfo: Record<string, unknown>): string[] | undefined {
  const groups = modelInfo.access_groups;
  return Array.isArray(groups) ? groups.filter((group) => typeof group === "string") : undefined;
}
