import type { DeploymentConfig } from "../config/config-types.js";

/** litellm_params keys whose values are secrets (or point at them). */
const SECRET_PARAM = /(^|_)(key|secret|token|password|credentials?)($|_)/i;

/** litellm_params as a caller may see them: what was configured, minus secrets. */
export function publicParams(config: DeploymentConfig): Record<string, unknown> {
  const { params } = config;
  const visible: Record<string, unknown> = { model: params.model };
  if (params.apiBase !== undefined) visible.api_base = params.apiBase;
  if (params.apiVersion !== undefined) visible.api_version = params.apiVersion;
  if (params.timeout !== undefined) visible.timeout = params.timeout;
  if (params.streamTimeout !== undefined) visible.stream_timeout = params.streamTimeout;
  if (params.rpm !== undefined) visible.rpm = params.rpm;
  if (params.tpm !== undefined) visible.tpm = params.tpm;
  if (params.weight !== undefined) visible.weight = params.weight;
  if (params.order !== undefined) visible.order = params.order;
  if (params.maxRetries !== undefined) visible.max_retries = params.maxRetries;
  if (params.litellmCredentialName !== undefined)
    visible.litellm_credential_name = params.litellmCredentialName;
  for (const [name, value] of Object.entries(params.extra)) {
    if (!SECRET_PARAM.test(name)) visible[name] = value;
  }
  return visible;
}
