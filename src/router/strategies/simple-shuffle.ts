import type { RoutingStrategy } from "./routing-strategy.js";

/**
 * LiteLLM's default: a weighted random draw. A deployment's weight is its
 * `weight`, else its `rpm`, else its `tpm`, else 1 (see build-deployments).
 */
export const simpleShuffle: RoutingStrategy = {
  needs: { inFlight: false, latency: false, usage: false },
  pick(candidates, _snapshot, _settings, random) {
    if (candidates.length === 1) return candidates[0];
    let total = 0;
    for (const deployment of candidates) total += deployment.weight;
    let draw = random() * total;
    for (const deployment of candidates) {
      draw -= deployment.weight;
      if (draw < 0) return deployment;
    }
    return candidates[candidates.length - 1];
  },
};
