import type { UpstreamTarget } from "../provider.js";

const cache = new WeakMap<UpstreamTarget, Record<string, string>>();

/**
 * Request headers for an OpenAI-style upstream. Computed once per deployment:
 * targets are immutable after start, and undici does not mutate the object.
 */
export function openAIHeaders(target: UpstreamTarget): Record<string, string> {
  let headers = cache.get(target);
  if (headers) return headers;
  headers = { "content-type": "application/json", accept: "application/json" };
  if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;
  const organization = target.params.organization;
  if (typeof organization === "string") headers["openai-organization"] = organization;
  Object.assign(headers, stringMap(target.params.extra_headers));
  cache.set(target, headers);
  return headers;
}

/** String-valued entries of a YAML mapping such as `extra_headers`. */
export function stringMap(value: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (typeof value !== "object" || value === null) return result;
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry === "string" || typeof entry === "number") result[key.toLowerCase()] = String(entry);
  }
  return result;
}
