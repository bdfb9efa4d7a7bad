import type { RouteInfo } from "../../gen/switchyard/v1/completion_pb.js";

/**
 * LiteLLM's response header names, which its users already script against;
 * sent on REST responses and as Connect/gRPC response metadata alike.
 */
export const ROUTE_HEADERS = {
  callId: "x-litellm-call-id",
  deploymentId: "x-litellm-model-id",
  modelGroup: "x-litellm-model-group",
  overheadMs: "x-litellm-overhead-duration-ms",
  attemptedRetries: "x-litellm-attempted-retries",
  attemptedFallbacks: "x-litellm-attempted-fallbacks",
} as const;

/** Retries and fallbacks the router went through before the answer. */
export interface RouteAttempts {
  readonly retries: number;
  readonly fallbacks: number;
}

export function setRouteHeaders(
  headers: Headers,
  route: RouteInfo,
  overheadMs: number,
  attempts: RouteAttempts,
): void {
  headers.set(ROUTE_HEADERS.callId, route.callId);
  headers.set(ROUTE_HEADERS.deploymentId, route.deploymentId);
  headers.set(ROUTE_HEADERS.modelGroup, route.modelGroup);
  headers.set(ROUTE_HEADERS.overheadMs, overheadMs.toFixed(3));
  headers.set(ROUTE_HEADERS.attemptedRetries, String(attempts.retries));
  headers.set(ROUTE_HEADERS.attemptedFallbacks, String(attempts.fallbacks));
}

const noAttempts: RouteAttempts = { retries: 0, fallbacks: 0 };

/**
 * The route headers that apply to a failed call, on its error's metadata
 * (every surface sends that as response headers): its call id, and the
 * retries and fallbacks made before giving up (none when it failed before
 * any attempt).
 */
export function setFailureHeaders(headers: Headers, attempts: RouteAttempts = noAttempts): void {
  if (!headers.has(ROUTE_HEADERS.callId)) headers.set(ROUTE_HEADERS.callId, crypto.randomUUID());
  headers.set(ROUTE_HEADERS.attemptedRetries, String(attempts.retries));
  headers.set(ROUTE_HEADERS.attemptedFallbacks, String(attempts.fallbacks));
}
