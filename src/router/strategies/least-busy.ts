import type { Deployment } from "../deployment.js";
import { pickUniform, type RoutingStrategy } from "./routing-strategy.js";

/** The deployment with the fewest calls under way; ties drawn at random. */
export const leastBusy: RoutingStrategy = {
  needs: { inFlight: true, latency: false, usage: false },
  pick(candidates, snapshot, _settings, random) {
    let fewest = Number.POSITIVE_INFINITY;
    let idlest: Deployment[] = [];
    for (const deployment of candidates) {
      const count = snapshot.inFlight?.get(deployment.id) ?? 0;
      if (count < fewest) {
        fewest = count;
        idlest = [deployment];
      } else if (count === fewest) idlest.push(deployment);
    }
    return idlest.length === 0 ? undefined : pickUniform(idlest, random);
  },
};
