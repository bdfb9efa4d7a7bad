import type { Logger } from "../observability/logger.js";
import type { RedisRouterState } from "./redis-router-state.js";
import type { LatencyStats, MinuteUsage, RouterState } from "./router-state.js";

export interface FallbackRouterStateOptions {
  readonly logger: Logger;
  /** Where Redis is, for log lines: host and port only, never the password. */
  readonly description: string;
  /** How often to check whether a hung (not disconnected) Redis answers again, ms; default 1000. */
  readonly probeIntervalMs?: number;
}

/**
 * Shared state while Redis answers, this replica's own state while it does
 * not. An outage is logged once (warn) when it starts and once (info) when
 * it ends, never per request; during it no request waits on Redis: calls go
 * straight to local state until the connection is ready again (ioredis
 * reconnects by itself) or, after command timeouts on a live connection,
 * until a background PING answers.
 *
 * Counts taken locally during an outage are not carried over to Redis:
 * limits are per replica until it returns, shared again afterwards.
 */
export class FallbackRouterState implements RouterState {
  readonly #shared: RedisRouterState;
  readonly #local: RouterState;
  readonly #logger: Logger;
  readonly #description: string;
  readonly #probeIntervalMs: number;
  #degraded = false;
  #probe: NodeJS.Timeout | undefined;
  #closed = false;
  #everConnected = false;

  constructor(shared: RedisRouterState, local: RouterState, options: FallbackRouterStateOptions) {
    this.#shared = shared;
    this.#local = local;
    this.#logger = options.logger;
    this.#description = options.description;
    this.#probeIntervalMs = options.probeIntervalMs ?? 1000;
    shared.redis.on("error", (error: Error) => this.#degrade(error));
    shared.redis.on("close", () => this.#degrade(new Error("connection closed")));
    shared.redis.on("ready", () => this.#onReady());
  }

  /** False while requests are answered from local state. */
  get shared(): boolean {
    return !this.#degraded && this.#shared.connected;
  }

  acquireRequest(
    deploymentId: string,
    limit: number | undefined,
    now: number,
    requests = 1,
  ): Promise<boolean> {
    if (!this.shared) return this.#local.acquireRequest(deploymentId, limit, now, requests);
    return this.#shared
      .acquireRequest(deploymentId, limit, now, requests)
      .catch((error: unknown) =>
        this.#fallBack(error, () => this.#local.acquireRequest(deploymentId, limit, now, requests)),
      );
  }

  addTokens(deploymentId: string, tokens: number, now: number): Promise<void> {
    if (!this.shared) return this.#local.addTokens(deploymentId, tokens, now);
    return this.#shared
      .addTokens(deploymentId, tokens, now)
      .catch((error: unknown) =>
        this.#fallBack(error, () => this.#local.addTokens(deploymentId, tokens, now)),
      );
  }

  usage(deploymentIds: readonly string[], now: number): Promise<ReadonlyMap<string, MinuteUsage>> {
    if (!this.shared) return this.#local.usage(deploymentIds, now);
    return this.#shared
      .usage(deploymentIds, now)
      .catch((error: unknown) => this.#fallBack(error, () => this.#local.usage(deploymentIds, now)));
  }

  changeInFlight(deploymentId: string, delta: number): Promise<void> {
    if (!this.shared) return this.#local.changeInFlight(deploymentId, delta);
    return this.#shared
      .changeInFlight(deploymentId, delta)
      .catch((error: unknown) =>
        this.#fallBack(error, () => this.#local.changeInFlight(deploymentId, delta)),
      );
  }

  inFlight(deploymentIds: readonly string[]): Promise<ReadonlyMap<string, number>> {
    if (!this.shared) return this.#local.inFlight(deploymentIds);
    return this.#shared
      .inFlight(deploymentIds)
      .catch((error: unknown) => this.#fallBack(error, () => this.#local.inFlight(deploymentIds)));
  }

  recordLatency(
    deploymentId: string,
    latencyMs: number,
    timeToFirstTokenMs: number | undefined,
  ): Promise<void> {
    if (!this.shared) return this.#local.recordLatency(deploymentId, latencyMs, timeToFirstTokenMs);
    return this.#shared
      .recordLatency(deploymentId, latencyMs, timeToFirstTokenMs)
      .catch((error: unknown) =>
        this.#fallBack(error, () => this.#local.recordLatency(deploymentId, latencyMs, timeToFirstTokenMs)),
      );
  }

  latency(deploymentIds: readonly string[]): Promise<ReadonlyMap<string, LatencyStats>> {
    if (!this.shared) return this.#local.latency(deploymentIds);
    return this.#shared
      .latency(deploymentIds)
      .catch((error: unknown) => this.#fallBack(error, () => this.#local.latency(deploymentIds)));
  }

  recordFailure(deploymentId: string, now: number): Promise<number> {
    if (!this.shared) return this.#local.recordFailure(deploymentId, now);
    return this.#shared
      .recordFailure(deploymentId, now)
      .catch((error: unknown) => this.#fallBack(error, () => this.#local.recordFailure(deploymentId, now)));
  }

  coolDown(deploymentId: string, until: number): Promise<void> {
    // Local state learns every cooldown too, so an outage does not send traffic
    // straight back to a deployment that was just failing.
    const local = this.#local.coolDown(deploymentId, until);
    if (!this.shared) return local;
    return Promise.all([
      local,
      this.#shared
        .coolDown(deploymentId, until)
        .catch((error: unknown) => this.#fallBack(error, () => undefined)),
    ]).then(() => undefined);
  }

  coolingDown(deploymentIds: readonly string[], now: number): Promise<ReadonlySet<string>> {
    if (!this.shared) return this.#local.coolingDown(deploymentIds, now);
    return this.#shared
      .coolingDown(deploymentIds, now)
      .catch((error: unknown) => this.#fallBack(error, () => this.#local.coolingDown(deploymentIds, now)));
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#stopProbe();
    await Promise.all([this.#shared.close(), this.#local.close()]);
  }

  #fallBack<T>(error: unknown, local: () => T | Promise<T>): T | Promise<T> {
    this.#degrade(error);
    return local();
  }

  #degrade(error: unknown): void {
    if (this.#degraded || this.#closed) return;
    this.#degraded = true;
    this.#logger.warn(
      { redis: this.#description, err: error instanceof Error ? error.message : String(error) },
      "Redis unavailable: rate limits, cooldowns and latency are local to this replica until it is back",
    );
    // A dropped connection recovers through ioredis' "ready" event; a hung one
    // stays "ready" to ioredis, so only a probe can tell when it answers again.
    this.#probe = setInterval(() => {
      if (!this.#shared.connected) return;
      this.#shared.redis.ping().then(
        () => this.#recover(),
        () => {},
      );
    }, this.#probeIntervalMs);
    this.#probe.unref();
  }

  #onReady(): void {
    if (this.#degraded) this.#recover();
    else if (!this.#everConnected) {
      this.#logger.info(
        { redis: this.#description },
        "Redis connected: router state is shared across replicas",
      );
    }
    this.#everConnected = true;
  }

  #recover(): void {
    if (!this.#degraded || this.#closed) return;
    this.#degraded = false;
    this.#stopProbe();
    this.#logger.info({ redis: this.#description }, "Redis is back: router state is shared again");
  }

  #stopProbe(): void {
    if (this.#probe) clearInterval(this.#probe);
    this.#probe = undefined;
  }
}
