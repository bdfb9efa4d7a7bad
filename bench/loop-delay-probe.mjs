// Preloaded into the gateway by bench/embedded-store.ts (`node --import`): samples the event loop's delay
// with perf_hooks and, on SIGUSR2, writes p50/p99/max since the last report to BENCH_LOOP_DELAY_FILE.
import { writeFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";

const file = process.env.BENCH_LOOP_DELAY_FILE;
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  process.on("SIGUSR2", () => {
    const report = {
      p50Ms: histogram.percentile(50) / 1e6,
      p99Ms: histogram.percentile(99) / 1e6,
      maxMs: histogram.max / 1e6,
      samples: histogram.count,
    };
    histogram.reset();
    writeFileSync(file, JSON.stringify(report));
  });
}
