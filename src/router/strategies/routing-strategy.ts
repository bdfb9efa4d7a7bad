import type { RouterSettings } from "../../config/router-settings.js";
import type { Deployment } from "../deployment.js";
import type { LatencyStats, MinuteUsage } from "../router-state.js";

/**
 * What the router read from its state for one pick. Only what the strategy
 * asked for (see `RoutingStrategy.needs`) is present, so simple-shuffle
 * costs no state round trip.
 */
export interface StateSnapshot {
  /** Whether the call being routed is a stream (latency routing then prefers time to first token). */
  readonly stream: boolean;
  readonly inFlight?: ReadonlyMap<string, number>;
  readonly latency?: ReadonlyMap<string, LatencyStats>;
  readonly usage?: ReadonlyMap<string, MinuteUsage>;
}

/**
 * Picks one deployment among healthy candidates of one order tier, or none
 * when every candidate is at a limit. Pure: randomness and time come in as
 * arguments, so tests can fix them.
 */
export type PickDeployment = (
  candidates: readonly Deployment[],
  snapshot: StateSnapshot,
  settings: RouterSettings,
  random: () => number,
  now: number,
) => Deployment | undefined;

export interface RoutingStrategy {
  readonly pick: PickDeployment;
  /** State the pick reads; the router fetches only these. */
  readonly needs: { readonly inFlight: boolean; readonly latency: boolean; readonly usage: boolean };
}

/** A uniform draw among `deployments` (non-empty). */
export function pickUniform(deployments: readonly Deployment[], random: () => number): Deployment {
  return deployments[Math.min(deployments.length - 1, Math.floor(random() * deployments.length))]!;
}
