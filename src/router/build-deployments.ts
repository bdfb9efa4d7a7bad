import type { DeploymentConfig } from "../config/config-types.js";
import type { Provider } from "../providers/provider.js";
import { mockProvider } from "../providers/registry.js";
import type { Deployment } from "./deployment.js";

/** LiteLLM's default request timeout is 6000 s; ten minutes is kinder to callers. */
const DEFAULT_TIMEOUT_MS = 600_000;

/** router_settings.timeout / stream_timeout: defaults for deployments that set their own none. */
export interface RouterTimeouts {
  readonly timeoutMs?: number;
  readonly streamTimeoutMs?: number;
}

/** Resolves each model_list entry to its provider and upstream target, once at start. */
export function buildDeployments(
  modelList: readonly DeploymentConfig[],
  providers: ReadonlyMap<string, Provider>,
  defaults: RouterTimeouts = {},
): Deployment[] {
  return modelList.map((entry) => {
    const params = entry.params;
    const provider = params.mockResponse !== undefined ? mockProvider : providers.get(params.provider);
    // The config loader validates slugs against the registry; this guards programmatic configs.
    if (!provider) throw new Error(`model_list: no provider "${params.provider}" for ${entry.modelName}`);
    const timeoutMs =
      params.timeout !== undefined ? params.timeout * 1000 : (defaults.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    return {
      id: entry.id,
      modelGroup: entry.modelName,
      providerName: params.provider,
      provider,
      target: {
        deploymentId: entry.id,
        model: params.providerModel,
        apiBase: params.apiBase?.replace(/\/+$/, ""),
        apiKey: params.apiKey,
        apiVersion: params.apiVersion,
        params: { ...params.extra, mock_response: params.mockResponse },
      },
      weight: params.weight ?? params.rpm ?? params.tpm ?? 1,
      timeoutMs,
      streamTimeoutMs:
        params.streamTimeout !== undefined
          ? params.streamTimeout * 1000
          : (defaults.streamTimeoutMs ?? timeoutMs),
      rpm: params.rpm,
      tpm: params.tpm,
      order: params.order,
    };
  });
}
