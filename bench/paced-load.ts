import { Pool } from "undici";
import { benchHeaders, type LoadOptions, type LoadResult, percentile } from "./load.js";

/**
 * An open-loop load at a steady rate: requests start on a fixed schedule,
 * whether or not earlier ones have answered, over a pool of keep-alive
 * connections. autocannon's `overallRate` instead lets each connection send
 * its whole second's share back to back at the top of every second, so a
 * target at "half of saturation" is saturated for half of each second and
 * the p99 measures how long the burst takes to drain. Latency is counted
 * from each request's scheduled start (as wrk2 does), so a target that
 * falls behind is charged for the wait it causes.
 */
export async function runPacedLoad(
  options: LoadOptions & { readonly ratePerSecond: number },
): Promise<LoadResult> {
  const origin = new URL(options.url);
  const pool = new Pool(origin.origin, { connections: options.connections, pipelining: 1 });
  const headers = options.headers ?? benchHeaders;
  const latencies: number[] = [];
  let completed = 0;
  let errors = 0;
  let non2xx = 0;
  const inFlight = new Set<Promise<void>>();

  const send = (scheduledAt: number) => {
    const call = pool
      .request({ path: origin.pathname, method: "POST", headers, body: options.body })
      .then(async ({ statusCode, body }) => {
        await body.dump({ limit: Number.POSITIVE_INFINITY });
        completed++;
        if (statusCode >= 200 && statusCode < 300) latencies.push(performance.now() - scheduledAt);
        else {
          non2xx++;
          errors++;
        }
      })
      .catch(() => {
        errors++;
      })
      .finally(() => inFlight.delete(call));
    inFlight.add(call);
  };

  // Every connection opened and used once before the clock starts: sixteen handshakes and cold code
  // at the first scheduled requests would otherwise make the run's own start its p99.
  await Promise.all(
    Array.from({ length: options.connections }, () =>
      pool
        .request({ path: origin.pathname, method: "POST", headers, body: options.body })
        .then(({ body }) => body.dump({ limit: Number.POSITIVE_INFINITY }))
        .catch(() => undefined),
    ),
  );
  const intervalMs = 1000 / options.ratePerSecond;
  const startedAt = performance.now();
  const endsAt = startedAt + options.durationSeconds * 1000;
  let sent = 0;
  // Timers fire about once a millisecond: each turn starts every request
  // whose scheduled time has come, each charged from its own schedule.
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (startedAt + sent * intervalMs <= Math.min(now, endsAt)) {
        send(startedAt + sent * intervalMs);
        sent++;
      }
      if (now >= endsAt) resolve();
      else setTimeout(tick, 0);
    };
    tick();
  });
  await Promise.all(inFlight);
  await pool.close();
  const durationSeconds = (performance.now() - startedAt) / 1000;
  latencies.sort((left, right) => left - right);
  return {
    completed,
    requestsPerSecond: completed / durationSeconds,
    latencyP50Ms: percentile(latencies, 0.5),
    latencyP99Ms: percentile(latencies, 0.99),
    errors,
    non2xx,
    durationSeconds,
  };
}
