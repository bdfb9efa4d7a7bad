import { ROUTE_HEADERS } from "../calls/route-headers.js";

/**
 * Which deployment answered a call, and what the router went through to get there:
 * LiteLLM's `x-litellm-*` response headers, typed. Fields the response lacks are
 * undefined (counts: 0).
 */
export interface RouteMetadata {
  /** x-litellm-call-id: the id of this call in logs, spend records and traces. */
  readonly callId: string | undefined;
  /** x-litellm-model-group: the model name the call asked for. */
  readonly modelGroup: string | undefined;
  /** x-litellm-model-id: the deployment of that group that answered. */
  readonly deploymentId: string | undefined;
  /** x-litellm-overhead-duration-ms: time spent in the gateway itself. */
  readonly overheadMs: number | undefined;
  readonly attemptedRetries: number;
  readonly attemptedFallbacks: number;
}

/** Reads the route metadata from a call's response headers (Connect's `onHeader`). */
export function routeFromHeaders(headers: Headers): RouteMetadata {
  const text = (name: string) => headers.get(name) ?? undefined;
  const number = (name: string) => {
    const value = Number(headers.get(name) ?? Number.NaN);
    return Number.isFinite(value) ? value : undefined;
  };
  return {
    callId: text(ROUTE_HEADERS.callId),
    modelGroup: text(ROUTE_HEADERS.modelGroup),
    deploymentId: text(ROUTE_HEADERS.deploymentId),
    overheadMs: number(ROUTE_HEADERS.overheadMs),
    attemptedRetries: number(ROUTE_HEADERS.attemptedRetries) ?? 0,
    attemptedFallbacks: number(ROUTE_HEADERS.attemptedFallbacks) ?? 0,
  };
}
