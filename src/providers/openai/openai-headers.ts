import { perTarget } from "../per-target.js";

/**
 * Request headers for an OpenAI-style upstream. Computed once per deployment:
 * undici does not mutate the object.
 */
export const openAIHeaders = perTarget((target): Record<string, string> => {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;
  const organization = target.params.organization;
  if (typeof organization === "string") headers["openai-organization"] = organization;
  Object.assign(headers, stringMap(target.params.extra_headers));
  return headers;
});

/** String-valued entries of a YAML mapping such as `extra_headers`. */
export function stringMap(value: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (typeof value !== "object" || value === null) return result;
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry === "string" || typeof entry === "number") result[key.toLowerCase()] = String(entry);
  }
  return result;
}
