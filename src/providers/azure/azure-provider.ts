import { Code } from "@connectrpc/connect";
import { GatewayError } from "../../errors/gateway-error.js";
import type { UpstreamClient } from "../../http/upstream-client.js";
import { stringMap } from "../openai/openai-headers.js";
import { createOpenAIProvider, type OpenAIEndpoint } from "../openai/openai-provider.js";
import { perTarget } from "../per-target.js";
import type { Provider } from "../provider.js";

/**
 * The api-version used when neither `litellm_params.api_version` nor
 * AZURE_API_VERSION sets one: the latest GA release of Azure OpenAI's
 * data-plane inference API (chat completions, completions, embeddings).
 */
export const AZURE_DEFAULT_API_VERSION = "2024-10-21";

/**
 * Azure OpenAI (`azure/<deployment-name>`): OpenAI's wire format behind
 * per-deployment URLs,
 * `{api_base}/openai/deployments/{deployment}/chat/completions?api-version={api_version}`
 * (likewise `/completions` and `/embeddings`), authenticated with an
 * `api-key` header instead of a bearer token, or with
 * `Authorization: Bearer <azure_ad_token>` when the deployment sets
 * `azure_ad_token` (Microsoft Entra ID).
 *
 * Deployment names say nothing about the model behind them, so a deployment
 * of a reasoning model sets `max_tokens_field: max_completion_tokens`.
 *
 * Read once here, at start, for deployments that leave them out:
 * AZURE_API_KEY, AZURE_API_BASE (e.g. https://my-resource.openai.azure.com)
 * and AZURE_API_VERSION.
 */
export function createAzureProvider(client: UpstreamClient, env: NodeJS.ProcessEnv): Provider {
  const environment = {
    apiKey: nonEmpty(env.AZURE_API_KEY),
    apiBase: nonEmpty(env.AZURE_API_BASE),
    apiVersion: nonEmpty(env.AZURE_API_VERSION) ?? AZURE_DEFAULT_API_VERSION,
  };
  const endpointUrls = perTarget((target): Record<OpenAIEndpoint, string> => {
    const configured = target.apiBase ?? environment.apiBase;
    if (configured === undefined) {
      throw new GatewayError({
        code: Code.FailedPrecondition,
        message: `deployment ${target.deploymentId}: azure needs litellm_params.api_base or AZURE_API_BASE`,
        httpStatus: 500,
      });
    }
    // LiteLLM accepts the resource URL with or without its /openai path.
    const base = `${configured.replace(resourceSuffix, "")}/openai/deployments/${encodeURIComponent(target.model)}`;
    const query = `?api-version=${encodeURIComponent(target.apiVersion ?? environment.apiVersion)}`;
    return {
      "/chat/completions": `${base}/chat/completions${query}`,
      "/completions": `${base}/completions${query}`,
      "/embeddings": `${base}/embeddings${query}`,
      "/images/generations": `${base}/images/generations${query}`,
      "/moderations": `${base}/moderations${query}`,
      "/audio/speech": `${base}/audio/speech${query}`,
      "/audio/transcriptions": `${base}/audio/transcriptions${query}`,
      "/audio/translations": `${base}/audio/translations${query}`,
    };
  });

  const headers = perTarget((target): Record<string, string> => {
    const headerSet: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json",
    };
    const adToken = target.params.azure_ad_token;
    if (typeof adToken === "string" && adToken !== "") headerSet.authorization = `Bearer ${adToken}`;
    else {
      const apiKey = target.apiKey ?? environment.apiKey;
      if (apiKey !== undefined) headerSet["api-key"] = apiKey;
    }
    Object.assign(headerSet, stringMap(target.params.extra_headers));
    return headerSet;
  });

  return createOpenAIProvider(client, {
    name: "azure",
    endpointUrl: (target, endpoint) => endpointUrls(target)[endpoint],
    headers,
  });
}

const resourceSuffix = /\/+(?:openai\/*)?$/;

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
