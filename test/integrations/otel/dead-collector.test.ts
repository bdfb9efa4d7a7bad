import type OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../../fakes/openai-upstream.js";
import { startFakeCollector } from "../../fakes/otlp-collector.js";
import {
  capturingLogger,
  LEVO_KEY,
  levoEnv,
  startTracedGateway,
  type TracedGateway,
  UPSTREAM_KEY,
} from "./traced-gateway.js";

let upstream: FakeOpenAI;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  upstream = await startFakeOpenAI({ apiKey: UPSTREAM_KEY });
});
afterAll(() => upstream.close());
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tracked<T extends { close(): Promise<void> }>(started: Promise<T>): Promise<T> {
  const value = await started;
  cleanups.push(() => value.close());
  return value;
}

const request = { model: "gpt-test", messages: [{ role: "user" as const, content: "hello" }] };

async function timed(client: OpenAI): Promise<number> {
  const start = performance.now();
  await client.chat.completions.create(request);
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The value of one series in a Prometheus text scrape. */
async function scrape(gateway: TracedGateway, series: string): Promise<number> {
  const text = await (await fetch(`${gateway.gateway.url}/metrics`)).text();
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  expect(line, `${series} in the scrape`).toBeDefined();
  return Number(line!.slice(series.length + 1));
}

describe("a dead collector", () => {
  it("leaves request latency unchanged and counts the spans it could not take", async () => {
    const N = 200;
    const QUEUE = 4;
    const silent = await tracked(startFakeCollector({ mode: "hang" }));
    const traced = await tracked(
      startTracedGateway({
        upstream,
        litellmSettings: '  callbacks: ["levo"]',
        env: {
          ...levoEnv(silent.url),
          OTEL_BSP_MAX_QUEUE_SIZE: String(QUEUE),
          OTEL_EXPORTER_OTLP_TIMEOUT: "1000",
        },
      }),
    );
    const plain = await tracked(startTracedGateway({ upstream, litellmSettings: "  callbacks: []" }));
    for (let i = 0; i < 20; i++) {
      await timed(traced.client);
      await timed(plain.client);
    }

    const withDead: number[] = [];
    const without: number[] = [];
    for (let i = 0; i < N; i++) {
      // Alternating which goes first cancels any order effect.
      if (i % 2 === 0) {
        withDead.push(await timed(traced.client));
        without.push(await timed(plain.client));
      } else {
        without.push(await timed(plain.client));
        withDead.push(await timed(traced.client));
      }
    }
    const deadMedian = median(withDead);
    const plainMedian = median(without);
    console.log(
      `latency over ${N} requests each: median ${deadMedian.toFixed(3)} ms with a dead Levo collector, ` +
        `${plainMedian.toFixed(3)} ms without a callback (difference ${(deadMedian - plainMedian).toFixed(3)} ms)`,
    );
    expect(deadMedian).toBeLessThan(plainMedian * 1.5 + 1);

    // The exporter did try: the collector took the connection and the body, then went silent.
    expect(silent.exports.length).toBeGreaterThan(0);
    // Each export timeout (1 s) lets one batch (the queue's 4 spans) go to a request that hangs and then
    // fails; whatever arrives meanwhile overflows the queue. Every span is lost, and all but those still
    // queued or in flight are counted already.
    const lost = (reason: string) =>
      scrape(traced, `switchyard_otel_spans_dropped_total{exporter="levo",reason="${reason}"}`);
    const queueFull = await lost("queue_full");
    const exportFailed = await lost("export_failed");
    const spans = N + 20;
    console.log(
      `of ${spans} spans: ${queueFull} dropped at the full queue, ${exportFailed} in failed exports, ` +
        `${silent.exports.length} exports tried`,
    );
    expect(queueFull).toBeGreaterThan(0);
    expect(queueFull + exportFailed).toBeGreaterThanOrEqual(spans - 6 * QUEUE);
    expect(queueFull + exportFailed).toBeLessThanOrEqual(spans);

    // Closing waits for the dead collector at most one export timeout.
    const closeStart = performance.now();
    await traced.close();
    const closeMs = performance.now() - closeStart;
    console.log(`close with a dead collector: ${closeMs.toFixed(0)} ms`);
    expect(closeMs).toBeLessThan(2500);
  }, 60_000);

  it("is logged once per outage, never per span, and without the key", async () => {
    const first = await startFakeCollector();
    const port = Number(new URL(first.url).port);
    await first.close(); // nothing listens there now: connections are refused
    const { logger, lines } = capturingLogger();
    const traced = await tracked(
      startTracedGateway({
        upstream,
        litellmSettings: '  callbacks: ["levo"]',
        env: {
          ...levoEnv(`http://127.0.0.1:${port}`),
          // One span per export, sent at once: every call is its own failed export.
          OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "1",
          OTEL_EXPORTER_OTLP_TIMEOUT: "300",
        },
        logger,
      }),
    );
    for (let i = 0; i < 10; i++) await traced.client.chat.completions.create(request);
    const failures = () =>
      scrape(traced, 'switchyard_otel_spans_dropped_total{exporter="levo",reason="export_failed"}');
    await pollUntil(async () => (await failures()) === 10);

    const revived = await tracked(startFakeCollector({ port }));
    for (let i = 0; i < 3; i++) await traced.client.chat.completions.create(request);
    await traced.close();

    expect(revived.spans()).toHaveLength(3);
    const warnings = lines.filter((line) => String(line.msg).startsWith("traces: exporting spans failed"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      level: 40,
      exporter: "levo",
      endpoint: `http://127.0.0.1:${port}/v1/traces`,
    });
    expect(String(warnings[0]!.reason)).toMatch(/ECONNREFUSED|timed out|retryable/);
    const recovered = lines.filter((line) => line.msg === "traces: exporting spans works again");
    expect(recovered).toHaveLength(1);
    expect(recovered[0]).toMatchObject({ level: 30, lostSpans: 10 });
    expect(JSON.stringify(lines)).not.toContain(LEVO_KEY);
  }, 30_000);
});

/** Polls `condition` every 20 ms until it holds, failing after 10 s. */
async function pollUntil(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met within 10 s");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
