/** A YAML mapping as `yaml`'s toJS() returns it: a plain object. */
export function isMapping(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** The path of a child in LiteLLM's words: `model_list[2].litellm_params.model`. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  return parent === "" ? key : `${parent}.${key}`;
}

// Matches api_key, aws_secret_access_key, azure_ad_token, vertex_credentials,
// an `Authorization` or `api-key` header… Over-matching only costs a less
// precise message or a key left out of the id hash; under-matching could leak.
const secretKeyPattern = /(^|[_-])(key|secret|token|password|credentials?|authorization)$/i;

/** Whether a key's value must never appear in messages or feed the id hash. */
export function isSecretKey(key: string): boolean {
  return secretKeyPattern.test(key);
}
