import type { Router } from "../router/router.js";
import type { RouterState } from "../router/router-state.js";
import { adminProcedure, adminRouter } from "./trpc.js";

export interface HealthDeps {
  readonly router: Pick<Router, "models">;
  /** The router's state: shared through Redis when configured, so this is the fleet's view. */
  readonly state: Pick<RouterState, "coolingDown" | "latency" | "usage" | "inFlight">;
}

/** What the router knows of one deployment right now. */
export interface DeploymentHealth {
  readonly id: string;
  readonly modelGroup: string;
  readonly provider: string;
  /** Taken out of rotation after failures (allowed_fails) or a rate limit, until the cooldown ends. */
  readonly coolingDown: boolean;
  readonly requestsThisMinute: number;
  readonly tokensThisMinute: number;
  /** Tracked only when the routing strategy needs it (least-busy). */
  readonly inFlight?: number;
  /** Recent average, tracked only when the strategy needs it (latency-based). */
  readonly latencyMs?: number;
  readonly timeToFirstTokenMs?: number;
}

export function healthRouter(deps: HealthDeps) {
  return adminRouter({
    /** Every deployment, in configuration order, with its cooldown and current load. */
    deployments: adminProcedure.query(async (): Promise<DeploymentHealth[]> => {
      const deployments = [...deps.router.models.groups].flatMap((group) => group.deployments);
      const ids = deployments.map((deployment) => deployment.id);
      const now = Date.now();
      const [cooling, usage, inFlight, latency] = await Promise.all([
        deps.state.coolingDown(ids, now),
        deps.state.usage(ids, now),
        deps.state.inFlight(ids),
        deps.state.latency(ids),
      ]);
      return deployments.map((deployment) => ({
        id: deployment.id,
        modelGroup: deployment.modelGroup,
        provider: deployment.providerName,
        coolingDown: cooling.has(deployment.id),
        requestsThisMinute: usage.get(deployment.id)?.requests ?? 0,
        tokensThisMinute: usage.get(deployment.id)?.tokens ?? 0,
        inFlight: inFlight.get(deployment.id),
        latencyMs: roundOf(latency.get(deployment.id)?.latencyMs),
        timeToFirstTokenMs: roundOf(latency.get(deployment.id)?.timeToFirstTokenMs),
      }));
    }),
  });
}

function roundOf(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.round(value);
}
