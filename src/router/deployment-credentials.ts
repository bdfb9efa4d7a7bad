import type { Deployment } from "./deployment.js";

/**
 * litellm_params that are credentials besides api_key/api_base/api_version:
 * LiteLLM's CredentialLiteLLMParams (litellm/types/router.py), what
 * `Router.get_deployment_credentials` copies out of a deployment.
 */
const CREDENTIAL_PARAMS = [
  "vertex_project",
  "vertex_location",
  "vertex_credentials",
  "region_name",
  "aws_access_key_id",
  "aws_secret_access_key",
  "aws_region_name",
  "watsonx_region_name",
];

/** One deployment's credentials, in clear: what GET /credentials/by_model masks and POST /credentials copies. */
export interface DeploymentCredentials {
  readonly modelGroup: string;
  readonly values: Record<string, unknown>;
}

/**
 * Looks deployments up by id (model_info.id, through `deploymentOf`: the ones
 * served now, stored ones included) and answers the credentials each calls
 * its upstream with: its own api_key, api_base, api_version and credential
 * params, completed by its litellm_credential_name's values as a call
 * completes them. Read when asked, so a credential changed since start shows
 * its current values.
 */
export function deploymentCredentialsLookup(
  deploymentOf: (modelId: string) => Deployment | undefined,
): (modelId: string) => DeploymentCredentials | undefined {
  return (modelId) => {
    const deployment = deploymentOf(modelId);
    if (!deployment) return undefined;
    const values: Record<string, unknown> = {};
    try {
      // Throws for an entry with litellm_credential_name while the credential is missing.
      const target = deployment.target();
      if (target.apiKey) values.api_key = target.apiKey;
      if (target.apiBase) values.api_base = target.apiBase;
      if (target.apiVersion) values.api_version = target.apiVersion;
      for (const param of CREDENTIAL_PARAMS) {
        const value = target.params[param];
        if (value !== undefined && value !== null && value !== "") values[param] = value;
      }
    } catch {
      // No usable credentials: answered as none, like a deployment that sets none.
    }
    return { modelGroup: deployment.modelGroup, values };
  };
}
