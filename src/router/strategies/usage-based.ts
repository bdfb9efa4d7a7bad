import type { Deployment } from "../deployment.js";
import type { RoutingStrategy } from "./routing-strategy.js";

/**
 * LiteLLM's usage-based-routing (v2): the deployment that has used the
 * fewest tokens this minute (then the fewest requests); one that has used
 * its `rpm` or `tpm` is skipped. None left: every deployment is at its limit.
 */
export const usageBased: RoutingStrategy = {
  needs: { inFlight: false, latency: false, usage: true },
  pick(candidates, snapshot, _settings, random) {
    let best: Deployment | undefined;
    let bestTokens = 0;
    let bestRequests = 0;
    let ties = 0;
    for (const deployment of candidates) {
      const usage = snapshot.usage?.get(deployment.id);
      const requests = usage?.requests ?? 0;
      const tokens = usage?.tokens ?? 0;
      if (deployment.rpm !== undefined && requests >= deployment.rpm) continue;
      if (deployment.tpm !== undefined && tokens >= deployment.tpm) continue;
      const better =
        best === undefined || tokens < bestTokens || (tokens === bestTokens && requests < bestRequests);
      if (better) {
        best = deployment;
        bestTokens = tokens;
        bestRequests = requests;
        ties = 1;
      } else if (tokens === bestTokens && requests === bestRequests) {
        // Reservoir sampling: each of the tied deployments ends up chosen with equal chance.
        ties++;
        if (random() * ties < 1) best = deployment;
      }
    }
    return best;
  },
};
