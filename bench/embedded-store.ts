import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { createBenchSchema } from "./bench-database.js";
import { canReadCpuTime, processCpuMicros, processRssMiB } from "./cpu-time.js";
import { benchHeaders, runLoad } from "./load.js";
import {
  freePort,
  gatewayNodeArgs,
  killAllServersNow,
  type ServerProcess,
  startServer,
  stopAllServers,
  tasksetAvailable,
  waitUntilReady,
} from "./server-process.js";

/**
 * `npx tsx bench/embedded-store.ts` (run `npm run build` first): the embedded
 * store's numbers from issue 12, the embedded gateway and a DATABASE_URL one
 * side by side in one run.
 *
 * 1. First start on an empty data dir: event-loop delay (perf_hooks, through
 *    bench/loop-delay-probe.mjs preloaded into the gateway) from "listening"
 *    until readiness answers 200 (and, apart, while modules load before it); time from "listening" (liveliness answers) to the
 *    first successful completion, and to readiness 200.
 * 2. Idle RSS once ready (3 s idle).
 * 3. Load, 64 connections, non-streaming, spend logging on: rounds taken in
 *    turns, embedded then Postgres; loop delay under load, CPU µs per request
 *    of each, and the embedded gateway's RSS after each round (flat or not).
 *
 * Environment: BENCH_ROUNDS (default 3), BENCH_DURATION (s per round, default
 * 8), BENCH_CONNECTIONS (default 64), BENCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/test; a schema of its own is created and dropped).
 */

const root = fileURLToPath(new URL("..", import.meta.url));
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const durationSeconds = Number(process.env.BENCH_DURATION ?? 8);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const body = JSON.stringify({ model: "bench", messages: [{ role: "user", content: "Say hello." }] });
const workDir = mkdtempSync(join(tmpdir(), "switchyard-bench-embedded-"));

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
}

/** Asks the gateway's probe for the loop delay since the last report (and resets it). */
async function loopDelay(server: ServerProcess, file: string): Promise<LoopDelay> {
  rmSync(file, { force: true });
  process.kill(server.pid, "SIGUSR2");
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      return JSON.parse(readFileSync(file, "utf8")) as LoopDelay;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  throw new Error("the loop-delay probe did not answer");
}

async function status(url: string, init: Parameters<typeof request>[1] = {}): Promise<number> {
  const response = await request(url, init);
  await response.body.dump();
  return response.statusCode;
}

function startGateway(name: string, configPath: string, env: NodeJS.ProcessEnv, port: number): ServerProcess {
  return startServer({
    name,
    nodeArgs: [
      ...gatewayNodeArgs(configPath, port, ["--import", "./bench/loop-delay-probe.mjs"]),
      "--data-dir",
      join(workDir, `${name}-data`),
    ],
    port,
    cwd: root,
    cpu: 1,
    logPath: join(workDir, `${name}.log`),
    env: {
      ...process.env,
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      REDIS_URL: "",
      SWITCHYARD_SHUTDOWN_GRACE_MS: "1000",
      BENCH_LOOP_DELAY_FILE: join(workDir, `${name}-loop.json`),
      ...env,
    },
  });
}

async function main(): Promise<void> {
  process.on("exit", killAllServersNow);
  if (!canReadCpuTime()) throw new Error("needs /proc/<pid>/stat");
  if (!tasksetAvailable) log("taskset is not available: processes are not pinned");
  spawnSync("taskset", ["-a", "-p", "-c", "0", String(process.pid)], { stdio: "ignore" });

  const upstreamPort = await freePort();
  const upstream = startServer({
    name: "upstream",
    nodeArgs: ["--import", "tsx", "bench/upstream.ts", "--port", String(upstreamPort)],
    port: upstreamPort,
    cwd: root,
    cpu: 1,
    logPath: join(workDir, "upstream.log"),
  });
  await waitUntilReady(
    upstream,
    async () => {
      await status(`${upstream.origin}/v1/models`);
    },
    15_000,
  );
  const configPath = join(workDir, "gateway.yaml");
  writeFileSync(
    configPath,
    [
      "model_list:",
      "  - model_name: bench",
      "    litellm_params:",
      "      model: openai/bench",
      `      api_base: ${upstream.origin}/v1`,
      "      api_key: sk-bench",
      "    model_info: { input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 }",
      "",
    ].join("\n"),
  );

  // 1. First start, embedded, empty data dir.
  const embeddedPort = await freePort();
  const spawnedAt = performance.now();
  const embedded = startGateway("embedded", configPath, { DATABASE_URL: "" }, embeddedPort);
  const loopFile = join(workDir, "embedded-loop.json");
  await waitUntilReady(
    embedded,
    async () => {
      if ((await status(`${embedded.origin}/health/liveliness`)) !== 200) throw new Error("not alive");
    },
    30_000,
  );
  const listeningAt = performance.now();
  // Loading and compiling the gateway's modules before it listens is not the store's doing: measured apart.
  const beforeListening = await loopDelay(embedded, loopFile);
  const completion = { method: "POST" as const, headers: benchHeaders, body };
  while ((await status(`${embedded.origin}/v1/chat/completions`, completion)) !== 200) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const firstCompletionAt = performance.now();
  let sawStarting = false;
  for (;;) {
    const code = await status(`${embedded.origin}/health/readiness`);
    if (code === 200) break;
    sawStarting ||= code === 503;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const readyAt = performance.now();
  const firstStart = await loopDelay(embedded, loopFile);
  log(
    `first start: listening ${(listeningAt - spawnedAt).toFixed(0)} ms after spawn; first completion ` +
      `${(firstCompletionAt - listeningAt).toFixed(0)} ms after listening; readiness 200 ` +
      `${(readyAt - listeningAt).toFixed(0)} ms after listening (503 before: ${sawStarting}); loop delay ` +
      `from listening to ready p99 ${firstStart.p99Ms.toFixed(1)} ms, max ${firstStart.maxMs.toFixed(1)} ms ` +
      `(before listening, loading modules: max ${beforeListening.maxMs.toFixed(1)} ms)`,
  );
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const idleRss = processRssMiB(embedded.pid);
  log(`idle RSS (embedded, ready, 3 s idle): ${idleRss.toFixed(0)} MiB`);

  // 2. The same gateway on Postgres, in a schema of its own.
  const schema = await createBenchSchema("embedded_vs_postgres");
  const postgresPort = await freePort();
  const postgres = startGateway("postgres", configPath, { DATABASE_URL: schema.databaseUrl }, postgresPort);
  await waitUntilReady(
    postgres,
    async () => {
      if ((await status(`${postgres.origin}/health/readiness`)) !== 200) throw new Error("not ready");
    },
    30_000,
  );
  const postgresIdleRss = processRssMiB(postgres.pid);
  log(`idle RSS (Postgres): ${postgresIdleRss.toFixed(0)} MiB`);

  // 3. Load, in turns.
  const totals = new Map([
    [embedded, { cpu: 0, requests: 0, errors: 0, maxDelayMs: 0, p99DelayMs: 0 }],
    [postgres, { cpu: 0, requests: 0, errors: 0, maxDelayMs: 0, p99DelayMs: 0 }],
  ]);
  const rssAfterRounds: number[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const [server, total] of totals) {
      const url = `${server.origin}/v1/chat/completions`;
      await runLoad({ url, body, connections, durationSeconds: 1 });
      await loopDelay(server, join(workDir, `${server.name}-loop.json`));
      const before = processCpuMicros(server.pid);
      const result = await runLoad({ url, body, connections, durationSeconds });
      total.cpu += processCpuMicros(server.pid) - before;
      total.requests += result.completed;
      total.errors += result.errors;
      const delay = await loopDelay(server, join(workDir, `${server.name}-loop.json`));
      total.maxDelayMs = Math.max(total.maxDelayMs, delay.maxMs);
      total.p99DelayMs = Math.max(total.p99DelayMs, delay.p99Ms);
      log(
        `  round ${round + 1} ${server.name}: ${Math.round(result.requestsPerSecond)} req/s, ` +
          `${((processCpuMicros(server.pid) - before) / result.completed).toFixed(1)} µs CPU/req, loop delay ` +
          `p99 ${delay.p99Ms.toFixed(1)} ms max ${delay.maxMs.toFixed(1)} ms, ${result.errors} errors`,
      );
    }
    rssAfterRounds.push(processRssMiB(embedded.pid));
  }
  // Let the last spend batches land, then count what the embedded store holds.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const embeddedTotal = totals.get(embedded)!;
  const postgresTotal = totals.get(postgres)!;
  const cpuEmbedded = embeddedTotal.cpu / embeddedTotal.requests;
  const cpuPostgres = postgresTotal.cpu / postgresTotal.requests;
  const spendRows = await schema.spendRows();
  log("");
  log(
    `requests: embedded ${embeddedTotal.requests} (${embeddedTotal.errors} errors), Postgres ${postgresTotal.requests} (${postgresTotal.errors} errors, ${spendRows} spend rows)`,
  );
  log(
    `loop delay under load, embedded: worst round p99 ${embeddedTotal.p99DelayMs.toFixed(1)} ms, max ${embeddedTotal.maxDelayMs.toFixed(1)} ms; Postgres: p99 ${postgresTotal.p99DelayMs.toFixed(1)} ms, max ${postgresTotal.maxDelayMs.toFixed(1)} ms`,
  );
  log(
    `RSS after each round, embedded: ${rssAfterRounds.map((rss) => rss.toFixed(0)).join(", ")} MiB; after load: ${processRssMiB(embedded.pid).toFixed(0)} MiB; Postgres gateway: ${processRssMiB(postgres.pid).toFixed(0)} MiB`,
  );
  log(
    `CPU per request: embedded ${cpuEmbedded.toFixed(1)} µs, Postgres ${cpuPostgres.toFixed(1)} µs, ratio ${(cpuEmbedded / cpuPostgres).toFixed(2)}×`,
  );

  await stopAllServers();
  await schema.drop();
  rmSync(workDir, { recursive: true, force: true });
}

main().catch(async (error: unknown) => {
  log(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\nlogs in ${workDir}`,
  );
  await stopAllServers();
  process.exit(1);
});
