import type { NodeRequest } from "../node-http.js";

/**
 * The caller's key, as every door reads it: `Authorization: Bearer <key>`,
 * else `x-api-key`, else `api-key` (what Azure's SDKs send; LiteLLM accepts
 * it on every route). The Anthropic door asks for `x-api-key` first, as
 * Anthropic's SDKs send it.
 */
export function callerKey(request: NodeRequest, apiKeyFirst = false): string | undefined {
  const { authorization, "x-api-key": apiKey, "api-key": azureKey } = request.headers;
  return callerKeyFrom(firstValue(authorization), firstValue(apiKey ?? azureKey), apiKeyFirst);
}

/** The same from header values already read (gRPC metadata). */
export function callerKeyFrom(
  authorization: string | undefined,
  apiKey: string | undefined,
  apiKeyFirst = false,
): string | undefined {
  return apiKeyFirst ? (apiKey ?? bearerToken(authorization)) : (bearerToken(authorization) ?? apiKey);
}

/** The token of an `Authorization: Bearer <token>` header (a bare value counts as the token). */
export function bearerToken(authorization: string | null | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
  return match ? match[1] : authorization.trim() || undefined;
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
