import { Code } from "@connectrpc/connect";
import type { CredentialSource } from "../credentials/credential-resolver.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { UpstreamTarget } from "../providers/provider.js";

/** Credential fields that become the target's own fields; every other field goes into `params`. */
const targetFields = { api_key: "apiKey", api_base: "apiBase", api_version: "apiVersion" } as const;

/**
 * The target of a deployment with `litellm_credential_name`: `base` (what
 * the model entry sets itself) completed with the credential's values — the
 * entry's own api_key/api_base/api_version and params win. Resolved again
 * only when the credential set's version changes, into a NEW object, since
 * providers cache per target object (WeakMaps): a request costs one number
 * comparison. Throws a GatewayError naming the credential (never a value)
 * when it does not exist or is not loaded yet.
 */
export function credentialTarget(
  base: UpstreamTarget,
  credentialName: string,
  modelGroup: string,
  credentials: CredentialSource,
): () => UpstreamTarget {
  let version = -1;
  let target: UpstreamTarget | undefined;
  return () => {
    if (version !== credentials.version || target === undefined) {
      const values = credentials.values(credentialName);
      if (values === undefined) throw missingCredential(credentialName, modelGroup, credentials.loaded);
      target = withCredential(base, values);
      version = credentials.version;
    }
    return target;
  };
}

function withCredential(base: UpstreamTarget, values: Readonly<Record<string, unknown>>): UpstreamTarget {
  const fromCredential: { apiKey?: string; apiBase?: string; apiVersion?: string } = {};
  const params: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(values)) {
    if (value === undefined || value === null || value === "") continue;
    const targetField = targetFields[field as keyof typeof targetFields];
    if (targetField) {
      if (typeof value === "string") fromCredential[targetField] = value;
    } else {
      params[field] = value;
    }
  }
  return {
    deploymentId: base.deploymentId,
    model: base.model,
    apiBase: base.apiBase ?? fromCredential.apiBase?.replace(/\/+$/, ""),
    apiKey: base.apiKey ?? fromCredential.apiKey,
    apiVersion: base.apiVersion ?? fromCredential.apiVersion,
    params: { ...params, ...withoutUndefined(base.params) },
  };
}

function withoutUndefined(params: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) if (value !== undefined) kept[key] = value;
  return kept;
}

function missingCredential(credentialName: string, modelGroup: string, loaded: boolean): GatewayError {
  if (!loaded) {
    return new GatewayError({
      code: Code.Unavailable,
      message:
        `Model \`${modelGroup}\` uses credential "${credentialName}", which is not loaded: ` +
        "the database has not been reachable since start.",
      errorCode: "credential_unavailable",
      retryable: false,
    });
  }
  return new GatewayError({
    code: Code.FailedPrecondition,
    message:
      `Model \`${modelGroup}\` uses credential "${credentialName}" (litellm_credential_name), which does not ` +
      "exist: create it with POST /credentials or add it to credential_list.",
    errorCode: "credential_not_found",
    httpStatus: 500,
  });
}
