import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus } from "../../gen/grpc/health/v1/health_pb.js";
import { createLogger } from "../../src/observability/logger.js";
import { createStore } from "../../src/store/create-store.js";
import { migrate } from "../../src/store/migrate.js";
import { migrateWhenReachable } from "../../src/store/start-store.js";
import type { Store } from "../../src/store/store.js";
import { startGatewayWith } from "../helpers/start-gateway.js";

const logger = createLogger("silent");
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function emptyDataDir(): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), "switchyard-embedded-"));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  return dataDir;
}

function openStore(dataDir: string): Store {
  const store = createStore({ dataDir, logger });
  cleanups.push(() => store.close());
  return store;
}

describe("the embedded store's first start", { timeout: 120_000 }, () => {
  it("never stalls the event loop while it creates and migrates the database", async () => {
    const store = openStore(await emptyDataDir());
    // Samples the loop every 10 ms: a stall shows as one long delay, whatever the wall clock says.
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    try {
      expect((await migrate(store)).applied.length).toBeGreaterThan(0);
    } finally {
      delay.disable();
    }
    // Creating a cluster takes seconds of CPU; on the loop it was one stall of 7–19 s. Off it, what is left
    // is the scheduler's noise on a busy 2-core machine (an idle process there sees up to ~60 ms).
    expect(delay.max / 1e6).toBeLessThan(250);
    expect(delay.percentile(99) / 1e6).toBeLessThan(60);
    expect(delay.count).toBeGreaterThan(0);
  });

  it("answers readiness 503 (with the reason) until the store is migrated, then 200; liveliness and completions meanwhile", async () => {
    const store = openStore(await emptyDataDir());
    const startup = new AbortController();
    cleanups.push(async () => startup.abort());
    const storeReady = migrateWhenReachable(store, { logger, signal: startup.signal });
    const yaml = [
      "model_list:",
      "  - model_name: canned",
      "    litellm_params:",
      "      model: openai/gpt-4o",
      "      mock_response: Hello while the store starts.",
    ].join("\n");
    const running = await startGatewayWith(yaml, { logger, store, storeReady });
    cleanups.push(() => running.close());

    const starting = await fetch(`${running.url}/health/readiness`);
    expect(starting.status).toBe(503);
    expect(await starting.json()).toMatchObject({
      status: "starting",
      db: "starting",
      reason: expect.stringContaining("embedded store"),
    });
    expect((await fetch(`${running.url}/health/liveliness`)).status).toBe(200);
    // gRPC health probes (Kubernetes' grpc probe, load balancers) see the same.
    const health = createClient(Health, createGrpcTransport({ baseUrl: running.url }));
    expect((await health.check({})).status).toBe(HealthCheckResponse_ServingStatus.NOT_SERVING);
    // A completion that needs nothing from the store is served at once.
    const client = new OpenAI({ baseURL: `${running.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: "canned",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(completion.choices[0]?.message.content).toBe("Hello while the store starts.");

    expect(await storeReady).toBe(true);
    const ready = await fetch(`${running.url}/health/readiness`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "healthy", db: "connected" });
    expect((await health.check({})).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
  });
});
