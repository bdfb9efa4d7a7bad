import autocannon from "autocannon";

/**
 * One autocannon run against a target. Latency percentiles come from our
 * own samples of every 2xx response (autocannon's histogram stores whole
 * milliseconds, too coarse for a loopback hop).
 */

export interface LoadOptions {
  readonly url: string;
  readonly body: string;
  readonly connections: number;
  readonly durationSeconds: number;
  /** Request headers; default benchHeaders. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface LoadResult {
  /** Completed responses (any status). */
  readonly completed: number;
  readonly requestsPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  /** Socket errors, timeouts and non-2xx responses. */
  readonly errors: number;
  readonly non2xx: number;
  readonly durationSeconds: number;
}

export const benchHeaders = { "content-type": "application/json", authorization: "Bearer sk-bench" };

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const instance = autocannon({
    url: options.url,
    method: "POST",
    headers: options.headers ?? benchHeaders,
    body: options.body,
    connections: options.connections,
    duration: options.durationSeconds,
    pipelining: 1,
    timeout: 10,
  });
  instance.on("response", (_client, statusCode, _bytes, responseTimeMs) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTimeMs);
  });
  const result = await instance;
  latencies.sort((left, right) => left - right);
  const durationSeconds = result.duration > 0 ? result.duration : options.durationSeconds;
  return {
    completed: result.requests.total,
    requestsPerSecond: result.requests.total / durationSeconds,
    latencyP50Ms: percentile(latencies, 0.5),
    latencyP99Ms: percentile(latencies, 0.99),
    errors: result.errors + result.timeouts + result.non2xx,
    non2xx: result.non2xx,
    durationSeconds,
  };
}

/** Nearest-rank percentile of ascending samples; NaN when there are none. */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank]!;
}
