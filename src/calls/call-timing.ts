import { createContextKey } from "@connectrpc/connect";

/**
 * When the gateway began handling the request (performance.now()). The REST
 * shims set it on arrival so the overhead they spend decoding counts too;
 * Connect calls fall back to the handler's own start.
 */
export const requestStartKey = createContextKey<number>(0, { description: "request start" });

/** Milliseconds spent in the gateway: everything but the upstream's share. */
export function overheadMs(start: number, upstreamMs: number): number {
  return Math.max(0, performance.now() - start - upstreamMs);
}
