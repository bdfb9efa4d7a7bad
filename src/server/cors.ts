import type * as http from "node:http";
import type * as http2 from "node:http2";
import { cors as connectCors } from "@connectrpc/connect";

export interface CorsOptions {
  /** Origins browsers may call us from, e.g. "https://app.example.com"; "*" allows any origin. */
  allowedOrigins: readonly string[];
}

/**
 * Adds CORS headers to `response`. Returns true when it has fully answered a preflight (the caller
 * must stop); false when the caller should go on handling the request.
 */
export type CorsHandler = (
  request: http.IncomingMessage | http2.Http2ServerRequest,
  response: http.ServerResponse | http2.Http2ServerResponse,
) => boolean;

/** Headers scripts may send: Connect's, the OpenAI and Anthropic SDKs', and any `x-stainless-*`. */
const allowedHeaders: ReadonlySet<string> = new Set(
  [
    ...connectCors.allowedHeaders,
    "Authorization",
    "x-api-key",
    // Azure's SDKs send the key here.
    "api-key",
    "anthropic-version",
    "anthropic-beta",
    // The Anthropic SDK sends it from browsers (`dangerouslyAllowBrowser`); without it preflights fail.
    "anthropic-dangerous-direct-browser-access",
    "OpenAI-Organization",
    "OpenAI-Project",
  ].map((name) => name.toLowerCase()),
);
const allowedHeaderPrefix = "x-stainless-";

const exposedHeaders = [
  ...connectCors.exposedHeaders,
  "x-litellm-call-id",
  "x-litellm-model-id",
  "x-litellm-model-group",
  "x-litellm-overhead-duration-ms",
  "x-litellm-attempted-retries",
  "x-litellm-attempted-fallbacks",
  "retry-after",
  "x-request-id",
].join(", ");
const allowedMethods = "GET, POST, PATCH, DELETE, OPTIONS";
const maxAgeSeconds = "7200";

/**
 * Builds the CORS step of the request pipeline; header values are computed once here, not per
 * request. Requests without an Origin header are left untouched. A preflight from an origin that is
 * not allowed is answered 204 without allow headers, so the browser blocks the real request.
 */
export function createCors(options: CorsOptions): CorsHandler {
  const anyOrigin = options.allowedOrigins.includes("*");
  const origins = new Set(options.allowedOrigins);

  return (request, response) => {
    const origin = request.headers.origin;
    if (origin === undefined) return false;
    const isPreflight =
      request.method === "OPTIONS" && request.headers["access-control-request-method"] !== undefined;
    const allowed = anyOrigin || origins.has(origin);
    if (!anyOrigin) appendVary(response, "Origin");
    if (allowed) response.setHeader("Access-Control-Allow-Origin", anyOrigin ? "*" : origin);
    if (!isPreflight) {
      if (allowed) response.setHeader("Access-Control-Expose-Headers", exposedHeaders);
      return false;
    }
    // The allowed headers are reflected from the request, so caches must key on it.
    appendVary(response, "Access-Control-Request-Headers");
    if (allowed) {
      response.setHeader("Access-Control-Allow-Methods", allowedMethods);
      const headers = allowedRequestHeaders(request.headers["access-control-request-headers"]);
      if (headers !== "") response.setHeader("Access-Control-Allow-Headers", headers);
      response.setHeader("Access-Control-Max-Age", maxAgeSeconds);
    }
    response.setHeader("Content-Length", "0");
    response.writeHead(204);
    response.end();
    return true;
  };
}

/** The requested header names that we allow, as a header value; only preflights pay for this. */
function allowedRequestHeaders(requested: string | undefined): string {
  if (requested === undefined) return "";
  const names: string[] = [];
  for (const raw of requested.split(",")) {
    const name = raw.trim().toLowerCase();
    if (allowedHeaders.has(name) || name.startsWith(allowedHeaderPrefix)) names.push(name);
  }
  return names.join(", ");
}

function appendVary(response: http.ServerResponse | http2.Http2ServerResponse, value: string): void {
  const current = response.getHeader("Vary");
  response.setHeader("Vary", current === undefined ? value : `${String(current)}, ${value}`);
}
