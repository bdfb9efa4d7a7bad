/**
 * The OTLP/HTTP traces URL for a collector base URL, as LiteLLM's
 * OpenTelemetry logger derives it (and so its Levo callback, which hands
 * LEVOAI_COLLECTOR_URL to that logger): `/v1/traces` is appended unless the
 * URL already ends with it; a URL ending in `/v1` gets `/traces`, and one
 * ending in another signal's path (`/v1/logs`, `/v1/metrics`) is pointed at
 * traces instead. Query strings are kept.
 */
export function tracesEndpoint(base: string): string {
  const url = new URL(base);
  const path = url.pathname.replace(/\/+$/, "");
  if (path.endsWith("/v1/traces")) url.pathname = path;
  else if (/\/v1\/(logs|metrics)$/.test(path)) url.pathname = path.replace(/(logs|metrics)$/, "traces");
  else if (path.endsWith("/v1")) url.pathname = `${path}/traces`;
  else url.pathname = `${path}/v1/traces`;
  return url.href;
}

/** Whether `value` parses as an http or https URL. */
export function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === "http:" || protocol === "https:";
  } catch {
    return false;
  }
}

/**
 * The URL as logs may show it: origin and path only, because credentials
 * sometimes ride in a collector URL's user info or query string.
 */
export function describeEndpoint(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}
