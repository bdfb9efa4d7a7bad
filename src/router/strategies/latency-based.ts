import type { Deployment } from "../deployment.js";
import type { LatencyStats } from "../router-state.js";
import { pickUniform, type RoutingStrategy } from "./routing-strategy.js";

/**
 * LiteLLM's latency-based-routing: the deployment with the lowest recent
 * latency (for streams, time to first token when known). Deployments within
 * `lowest_latency_buffer` of the fastest (0.5: up to 50% slower) share the
 * load at random, so near-equal ones are not starved. A deployment without
 * data counts as fastest, so new ones get measured.
 */
export const latencyBased: RoutingStrategy = {
  needs: { inFlight: false, latency: true, usage: false },
  pick(candidates, snapshot, settings, random) {
    let lowest = Number.POSITIVE_INFINITY;
    for (const deployment of candidates) {
      lowest = Math.min(lowest, latencyOf(snapshot.latency?.get(deployment.id), snapshot.stream));
    }
    const ceiling = lowest * (1 + settings.lowestLatencyBuffer);
    const fast: Deployment[] = [];
    for (const deployment of candidates) {
      if (latencyOf(snapshot.latency?.get(deployment.id), snapshot.stream) <= ceiling) fast.push(deployment);
    }
    return fast.length === 0 ? undefined : pickUniform(fast, random);
  },
};

function latencyOf(stats: LatencyStats | undefined, stream: boolean): number {
  if (!stats) return 0;
  return stream && stats.timeToFirstTokenMs !== undefined ? stats.timeToFirstTokenMs : stats.latencyMs;
}
