/**
 * What the router remembers about deployments: traffic in the current
 * minute, in-flight calls, latency, failures and cooldowns. In one process
 * it lives in memory; with Redis configured it is shared by every replica,
 * so limits and cooldowns hold across a fleet. Methods are async because
 * the shared implementation is; the in-memory one answers at once.
 *
 * Implementations never throw for a state-store failure: losing Redis
 * degrades to local state (with a warning), and requests keep flowing.
 */
export interface RouterState {
  /**
   * Counts `requests` (default 1: a call fanned out counts each upstream
   * request it makes) against the deployment's requests-per-minute limit,
   * atomically across replicas, and says whether they all fit. With `limit`
   * undefined it only counts. Refused requests are not counted.
   */
  acquireRequest(
    deploymentId: string,
    limit: number | undefined,
    now: number,
    requests?: number,
  ): Promise<boolean>;

  /** Adds tokens used by a finished call to the deployment's current minute. */
  addTokens(deploymentId: string, tokens: number, now: number): Promise<void>;

  /** Requests and tokens counted in the current minute, per deployment. */
  usage(deploymentIds: readonly string[], now: number): Promise<ReadonlyMap<string, MinuteUsage>>;

  /** Calls under way (least-busy routing; a key's parallel slots). `delta` is +n at start, -n at the end. */
  changeInFlight(deploymentId: string, delta: number): Promise<void>;
  inFlight(deploymentIds: readonly string[]): Promise<ReadonlyMap<string, number>>;

  /** Records a successful call's latency and, for streams, its time to first token. */
  recordLatency(
    deploymentId: string,
    latencyMs: number,
    timeToFirstTokenMs: number | undefined,
  ): Promise<void>;
  /** Recent average latency per deployment (absent: no data yet). */
  latency(deploymentIds: readonly string[]): Promise<ReadonlyMap<string, LatencyStats>>;

  /**
   * Records a failure; returns how many failures the deployment has had in
   * the last minute, this one included (compared with allowed_fails).
   */
  recordFailure(deploymentId: string, now: number): Promise<number>;
  /** Puts the deployment in cooldown until `until` (epoch ms) on every replica. */
  coolDown(deploymentId: string, until: number): Promise<void>;
  /** The deployments among these that are cooling down at `now`. */
  coolingDown(deploymentIds: readonly string[], now: number): Promise<ReadonlySet<string>>;

  /** Releases connections; the state is unusable afterwards. */
  close(): Promise<void>;
}

export interface MinuteUsage {
  readonly requests: number;
  readonly tokens: number;
}

export interface LatencyStats {
  /** Average whole-call latency over the recent window, ms. */
  readonly latencyMs: number;
  /** Average time to first token of recent streams, ms (absent: no streams yet). */
  readonly timeToFirstTokenMs?: number;
}

/** The minute bucket a timestamp falls in: counters reset when it changes. */
export function minuteOf(now: number): number {
  return Math.floor(now / 60_000);
}
