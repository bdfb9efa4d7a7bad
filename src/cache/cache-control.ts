import type { JsonValue } from "@bufbuild/protobuf";
import { GatewayError } from "../errors/gateway-error.js";

/**
 * A request's say over the cache, LiteLLM's `cache: {…}` body field
 * (docs/proxy/caching.md, "Dynamic Cache Controls") or a `Cache-Control`
 * request header.
 */
export interface CacheRequestControl {
  /** Do not answer from the cache (the answer may still be stored). */
  readonly noCache?: boolean;
  /** Do not store this answer. */
  readonly noStore?: boolean;
  /** Store this answer for this long, seconds. */
  readonly ttlSeconds?: number;
  /** Answer from the cache only with an entry at most this old, seconds. */
  readonly sMaxAgeSeconds?: number;
  /** Keys under this namespace instead of the configured one. */
  readonly namespace?: string;
  /** `mode: default_off`: this request opts in. */
  readonly useCache?: boolean;
}

/** Reads the body's `cache` field; a wrong type is a 400 naming the field. */
export function readCacheControl(value: JsonValue | undefined): CacheRequestControl | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw invalid("cache", "an object");
  const flag = (name: string): boolean | undefined => {
    const field = value[name];
    if (field === undefined || field === null) return undefined;
    if (typeof field !== "boolean") throw invalid(`cache.${name}`, "true or false");
    return field;
  };
  const seconds = (name: string): number | undefined => {
    const field = value[name];
    if (field === undefined || field === null) return undefined;
    if (typeof field !== "number" || !(field >= 0)) throw invalid(`cache.${name}`, "a number of seconds");
    return field;
  };
  const namespace = value.namespace;
  if (namespace !== undefined && namespace !== null && (typeof namespace !== "string" || namespace === "")) {
    throw invalid("cache.namespace", "a non-empty string");
  }
  return {
    noCache: flag("no-cache"),
    noStore: flag("no-store"),
    ttlSeconds: seconds("ttl"),
    sMaxAgeSeconds: seconds("s-maxage"),
    namespace: typeof namespace === "string" ? namespace : undefined,
    useCache: flag("use-cache"),
  };
}

/**
 * `Cache-Control: no-cache, no-store, s-maxage=N` (or max-age=N) on the
 * request, for callers that cannot add body fields; the body wins where
 * both say something.
 */
export function withCacheControlHeader(
  control: CacheRequestControl | undefined,
  header: string | null,
): CacheRequestControl | undefined {
  if (!header) return control;
  const fromHeader: { -readonly [Key in keyof CacheRequestControl]: CacheRequestControl[Key] } = {};
  for (const directive of header.toLowerCase().split(",")) {
    const [name, argument] = directive.trim().split("=", 2);
    if (name === "no-cache") fromHeader.noCache = true;
    else if (name === "no-store") fromHeader.noStore = true;
    else if ((name === "s-maxage" || name === "max-age") && argument !== undefined) {
      const seconds = Number(argument);
      if (Number.isFinite(seconds) && seconds >= 0) fromHeader.sMaxAgeSeconds = seconds;
    }
  }
  if (Object.keys(fromHeader).length === 0) return control;
  if (!control) return fromHeader;
  const merged = { ...fromHeader };
  for (const [key, field] of Object.entries(control)) {
    if (field !== undefined) (merged as Record<string, unknown>)[key] = field;
  }
  return merged;
}

function invalid(field: string, expected: string): GatewayError {
  return GatewayError.invalidArgument(`'${field}' must be ${expected}`, field);
}
