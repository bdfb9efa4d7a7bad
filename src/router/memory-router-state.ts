import { type LatencyStats, type MinuteUsage, minuteOf, type RouterState } from "./router-state.js";

/** Weight of the newest sample in the latency averages: about the last ten calls count. */
const LATENCY_SMOOTHING = 0.2;
const FAILURE_WINDOW_MS = 60_000;

interface MinuteCounter {
  minute: number;
  requests: number;
  tokens: number;
}

interface LatencyAverage {
  latencyMs: number;
  timeToFirstTokenMs: number | undefined;
}

const noUsage: MinuteUsage = { requests: 0, tokens: 0 };

/**
 * RouterState for one process: plain maps, answered at once. Minute
 * counters reset when the minute changes; latencies are exponentially
 * weighted moving averages; failures are timestamps of the last minute.
 */
export class MemoryRouterState implements RouterState {
  readonly #minutes = new Map<string, MinuteCounter>();
  readonly #inFlight = new Map<string, number>();
  readonly #latency = new Map<string, LatencyAverage>();
  readonly #failures = new Map<string, number[]>();
  readonly #cooldowns = new Map<string, number>();

  async acquireRequest(
    deploymentId: string,
    limit: number | undefined,
    now: number,
    requests = 1,
  ): Promise<boolean> {
    const counter = this.#counter(deploymentId, now);
    if (limit !== undefined && counter.requests + requests > limit) return false;
    counter.requests += requests;
    return true;
  }

  async addTokens(deploymentId: string, tokens: number, now: number): Promise<void> {
    this.#counter(deploymentId, now).tokens += tokens;
  }

  async usage(deploymentIds: readonly string[], now: number): Promise<ReadonlyMap<string, MinuteUsage>> {
    const minute = minuteOf(now);
    const result = new Map<string, MinuteUsage>();
    for (const id of deploymentIds) {
      const counter = this.#minutes.get(id);
      result.set(
        id,
        counter && counter.minute === minute
          ? { requests: counter.requests, tokens: counter.tokens }
          : noUsage,
      );
    }
    return result;
  }

  async changeInFlight(deploymentId: string, delta: number): Promise<void> {
    const count = (this.#inFlight.get(deploymentId) ?? 0) + delta;
    this.#inFlight.set(deploymentId, Math.max(0, count));
  }

  async inFlight(deploymentIds: readonly string[]): Promise<ReadonlyMap<string, number>> {
    const result = new Map<string, number>();
    for (const id of deploymentIds) result.set(id, this.#inFlight.get(id) ?? 0);
    return result;
  }

  async recordLatency(
    deploymentId: string,
    latencyMs: number,
    timeToFirstTokenMs: number | undefined,
  ): Promise<void> {
    const average = this.#latency.get(deploymentId);
    if (!average) {
      this.#latency.set(deploymentId, { latencyMs, timeToFirstTokenMs });
      return;
    }
    average.latencyMs += LATENCY_SMOOTHING * (latencyMs - average.latencyMs);
    if (timeToFirstTokenMs !== undefined) {
      average.timeToFirstTokenMs =
        average.timeToFirstTokenMs === undefined
          ? timeToFirstTokenMs
          : average.timeToFirstTokenMs +
            LATENCY_SMOOTHING * (timeToFirstTokenMs - average.timeToFirstTokenMs);
    }
  }

  async latency(deploymentIds: readonly string[]): Promise<ReadonlyMap<string, LatencyStats>> {
    const result = new Map<string, LatencyStats>();
    for (const id of deploymentIds) {
      const average = this.#latency.get(id);
      if (average) result.set(id, average);
    }
    return result;
  }

  async recordFailure(deploymentId: string, now: number): Promise<number> {
    let times = this.#failures.get(deploymentId);
    if (!times) {
      times = [];
      this.#failures.set(deploymentId, times);
    }
    const since = now - FAILURE_WINDOW_MS;
    let stale = 0;
    while (stale < times.length && times[stale]! <= since) stale++;
    if (stale > 0) times.splice(0, stale);
    times.push(now);
    return times.length;
  }

  async coolDown(deploymentId: string, until: number): Promise<void> {
    const current = this.#cooldowns.get(deploymentId) ?? 0;
    if (until > current) this.#cooldowns.set(deploymentId, until);
  }

  async coolingDown(deploymentIds: readonly string[], now: number): Promise<ReadonlySet<string>> {
    const result = new Set<string>();
    if (this.#cooldowns.size === 0) return result;
    for (const id of deploymentIds) {
      const until = this.#cooldowns.get(id);
      if (until === undefined) continue;
      if (until > now) result.add(id);
      else this.#cooldowns.delete(id);
    }
    return result;
  }

  async close(): Promise<void> {}

  #counter(deploymentId: string, now: number): MinuteCounter {
    const minute = minuteOf(now);
    let counter = this.#minutes.get(deploymentId);
    if (!counter) {
      counter = { minute, requests: 0, tokens: 0 };
      this.#minutes.set(deploymentId, counter);
    } else if (counter.minute !== minute) {
      counter.minute = minute;
      counter.requests = 0;
      counter.tokens = 0;
    }
    return counter;
  }
}
