import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { type BenchSchema, createBenchSchema } from "./bench-database.js";
import { canReadCpuTime, processCpuMicros, processRssMiB } from "./cpu-time.js";
import { type FirstByteResult, measureFirstByte } from "./first-byte.js";
import { benchHeaders, runLoad } from "./load.js";
import { runPacedLoad } from "./paced-load.js";
import {
  type BenchResults,
  combineRounds,
  type HalfSaturationRow,
  ratiosOf,
  routingRatiosOf,
  type ScenarioResult,
  type StreamMode,
  type TargetResult,
  toMarkdown,
} from "./report.js";
import {
  freePort,
  gatewayNodeArgs,
  killAllServersNow,
  logTail,
  type ServerProcess,
  startServer,
  stopAllServers,
  tasksetAvailable,
  trackChild,
  waitUntilReady,
} from "./server-process.js";

/**
 * `npm run bench` (= `tsx bench/run.ts [--quick] [--build]`): measures the
 * gateway against a bare undici pass-through proxy, both in front of the
 * same cheap fake upstream (bench/upstream.ts), plus the upstream alone as
 * the load generator's ceiling. Servers run as child processes pinned to
 * CPU 1, this process (autocannon) to CPU 0. Prints Markdown tables and
 * writes bench/results.json.
 *
 * Environment (all optional):
 *   BENCH_DURATION        seconds per measured run (default 5; --quick: 1)
 *   BENCH_WARMUP          seconds of warm-up before each run (default 1; --quick: 0.3)
 *   BENCH_ROUNDS          runs of each scenario per target, taken in turns and summed (default 1): on a
 *                         busy machine, several short rounds spread the noise over every target alike
 *   BENCH_CONNECTIONS     comma-separated connection counts (default 1,32,128)
 *   BENCH_FIRST_BYTE      sequential streaming requests for time to first byte (default 200; --quick: 50)
 *   BENCH_TARGETS         comma-separated subset of upstream,passthrough,json-hop,gateway,gateway-anthropic,
 *                         gateway-group,gateway-group-redis,gateway-master,gateway-key,
 *                         gateway-key-redis (default: all)
 *   BENCH_SCENARIOS       "proxy": upstream, passthrough, json-hop (bench/json-hop.ts: the least a gateway
 *                         that reads the JSON does), gateway, gateway-warn; "translation": gateway and
 *                         gateway-anthropic (OpenAI clients, Anthropic-format upstream); "routing":
 *                         gateway, gateway-group, gateway-group-redis; "keys": gateway-master (a master
 *                         key and priced model, called with the master key), gateway-key (the same
 *                         process, called with a virtual key limited by models, budget, rpm and tpm)
 *                         and gateway-key-redis (another process, the key's counters in Redis);
 *                         default all four (cache runs only when named)
 *                         "cache": gateway (every call upstream), gateway-cache (every call a hit in the
 *                         local response cache) and gateway-cache-redis (hits from Redis)
 *   BENCH_REDIS_URL       Redis for the *-redis targets (default REDIS_URL, else redis://127.0.0.1:6379)
 *   BENCH_LOG_LEVEL       the gateway's LOG_LEVEL (default info, as users run it: one access-log line per call,
 *                         to a file; the gateway-warn target is the same gateway with warn, for comparison)
 *   BENCH_STORE           "postgres" (default: DATABASE_URL=BENCH_DATABASE_URL, a schema per gateway, so
 *                         every call is a spend row) or "embedded" (the embedded store in a data dir)
 *   BENCH_KEEP_LOGS       keep the server logs even after a successful run
 */

const root = fileURLToPath(new URL("..", import.meta.url));
const quick = process.argv.includes("--quick");
const forceBuild = process.argv.includes("--build");
const loadCpu = 0;
const serverCpu = 1;

const settings = {
  durationSeconds: numberFromEnv("BENCH_DURATION", quick ? 1 : 5),
  warmupSeconds: numberFromEnv("BENCH_WARMUP", quick ? 0.3 : 1),
  rounds: Math.round(numberFromEnv("BENCH_ROUNDS", 1)),
  connections: (process.env.BENCH_CONNECTIONS ?? "1,32,128").split(",").map(Number),
  firstByteRequests: numberFromEnv("BENCH_FIRST_BYTE", quick ? 50 : 200),
  targets: (process.env.BENCH_TARGETS ?? targetsOfScenarios(process.env.BENCH_SCENARIOS)).split(","),
  redisUrl: process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
};

function targetsOfScenarios(scenarios = "proxy,translation,routing,keys"): string {
  const byScenario: Record<string, readonly string[]> = {
    proxy: ["upstream", "passthrough", "json-hop", "gateway", "gateway-warn"],
    routing: ["gateway", "gateway-group", "gateway-group-redis"],
    translation: ["gateway", "gateway-anthropic"],
    keys: ["gateway-master", "gateway-key", "gateway-key-redis"],
    cache: ["gateway", "gateway-cache", "gateway-cache-redis"],
  };
  const targets = new Set<string>();
  for (const scenario of scenarios.split(",")) {
    const names = byScenario[scenario];
    if (!names)
      throw new Error(
        `BENCH_SCENARIOS: unknown scenario "${scenario}" (known: proxy, translation, routing, keys, cache)`,
      );
    for (const name of names) targets.add(name);
  }
  return [...targets].join(",");
}
const modes: readonly StreamMode[] = ["non-stream", "stream"];

const prompt = [{ role: "user", content: "Say hello to the benchmark in one short sentence." }];
const bodies: Record<StreamMode, string> = {
  "non-stream": JSON.stringify({ model: "bench", messages: prompt }),
  stream: JSON.stringify({ model: "bench", messages: prompt, stream: true }),
};

/**
 * The gateway's config as a user runs it: a master key (benchHeaders' key)
 * and one deployment in front of the bench upstream.
 */
function gatewayConfig(upstreamOrigin: string): string {
  return [
    "general_settings: { master_key: sk-bench }",
    "model_list:",
    "  - model_name: bench",
    "    litellm_params:",
    "      model: openai/bench",
    `      api_base: ${upstreamOrigin}/v1`,
    "      api_key: sk-bench",
    "",
  ].join("\n");
}

/** The same deployment name in front of the upstream's Anthropic Messages endpoint. */
function anthropicConfig(upstreamOrigin: string): string {
  return [
    "model_list:",
    "  - model_name: bench",
    "    litellm_params:",
    "      model: anthropic/bench",
    `      api_base: ${upstreamOrigin}`,
    "      api_key: sk-ant-bench",
    "",
  ].join("\n");
}

/**
 * The routing scenario's config: three deployments of one group in front of
 * the same upstream, shuffled (LiteLLM's default strategy). Explicit ids:
 * identical litellm_params would otherwise hash to one id.
 */
function groupConfig(upstreamOrigin: string): string {
  const lines = ["model_list:"];
  for (const name of ["a", "b", "c"]) {
    lines.push(
      "  - model_name: bench",
      "    litellm_params:",
      "      model: openai/bench",
      `      api_base: ${upstreamOrigin}/v1`,
      "      api_key: sk-bench",
      "    model_info:",
      `      id: bench-${name}`,
    );
  }
  lines.push("router_settings:", "  routing_strategy: simple-shuffle", "");
  return lines.join("\n");
}

/** The cache scenario's config: the plain gateway's deployment, every answer cached (local or Redis). */
function cacheConfig(type: "local" | "redis") {
  return (upstreamOrigin: string): string =>
    `${gatewayConfig(upstreamOrigin)}litellm_settings:\n  cache: true\n  cache_params: { type: ${type}, ttl: 3600 }\n`;
}

/**
 * The keys scenario's config: one priced deployment behind a master key
 * (benchHeaders' key), so every virtual-key call is charged a cost.
 */
function keysConfig(upstreamOrigin: string): string {
  return [
    "general_settings: { master_key: sk-bench }",
    "model_list:",
    "  - model_name: bench",
    "    litellm_params:",
    "      model: openai/bench",
    `      api_base: ${upstreamOrigin}/v1`,
    "      api_key: sk-bench-upstream",
    "    model_info: { input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 }",
    "",
  ].join("\n");
}

/**
 * A virtual key with every check the hot path makes: a model list, a budget
 * it never reaches, and rpm/tpm limits it never reaches.
 */
async function createBenchKey(origin: string): Promise<Record<string, string>> {
  const response = await request(`${origin}/key/generate`, {
    method: "POST",
    headers: benchHeaders,
    body: JSON.stringify({
      key_alias: "bench",
      models: ["bench"],
      max_budget: 1_000_000,
      rpm_limit: 1_000_000_000,
      tpm_limit: 1_000_000_000_000,
    }),
  });
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`/key/generate answered ${response.statusCode}: ${text}`);
  const { key } = JSON.parse(text) as { key: string };
  const headers = { ...benchHeaders, authorization: `Bearer ${key}` };
  const probed = await request(`${origin}/v1/chat/completions`, {
    method: "POST",
    headers,
    body: bodies.stream,
  });
  await probed.body.text();
  if (probed.headers["x-ratelimit-limit-requests"] === undefined)
    throw new Error("the virtual key's call carried no x-ratelimit-* headers: its limits were not checked");
  return headers;
}

/**
 * A reference server (bench/passthrough.ts, bench/json-hop.ts) as plain
 * JavaScript in dist/bench/, run by node alone, as the gateway runs from
 * dist/. Under `--import tsx` it carried tsx's loader (on Node 20 a second
 * isolate on its own thread) and its source maps: ~20 MiB more RSS than
 * the proxy itself holds.
 */
async function compiledBenchServer(name: "passthrough" | "json-hop"): Promise<string> {
  const { build } = await import("esbuild");
  const outfile = join(root, `dist/bench/${name}.js`);
  await build({
    entryPoints: [join(root, `bench/${name}.ts`)],
    outfile,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
  });
  return outfile;
}

function numberFromEnv(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return process.env[name] && Number.isFinite(value) && value > 0 ? value : fallback;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/**
 * Pins every thread of this process (and those it starts later) to the load
 * CPU. `taskset -a -p` on our own pid does what re-executing under taskset
 * would, without a wrapper process that has to relay signals.
 */
function pinLoadGenerator(): void {
  if (!tasksetAvailable) return;
  spawnSync("taskset", ["-a", "-p", "-c", String(loadCpu), String(process.pid)], { stdio: "ignore" });
}

/** Server logs and the gateway config; removed after a successful run, kept for diagnosis otherwise. */
const logDir = mkdtempSync(join(tmpdir(), "switchyard-bench-"));
/** The Postgres schemas of the gateways (BENCH_STORE=postgres), dropped at the end. */
const schemas: BenchSchema[] = [];

let shuttingDown = false;
async function shutdown(exitCode: number): Promise<never> {
  if (!shuttingDown) {
    shuttingDown = true;
    await stopAllServers();
    await Promise.all(schemas.map((schema) => schema.drop().catch(() => undefined)));
    if (exitCode === 0 && !process.env.BENCH_KEEP_LOGS) rmSync(logDir, { recursive: true, force: true });
    else log(`server logs kept in ${logDir}`);
  }
  process.exit(exitCode);
}

async function probe(origin: string): Promise<void> {
  for (const mode of modes) {
    const response = await request(`${origin}/v1/chat/completions`, {
      method: "POST",
      headers: benchHeaders,
      body: bodies[mode],
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) {
      throw new Error(`${mode} probe answered ${response.statusCode}: ${text.slice(0, 300)}`);
    }
  }
}

/** The gateway answers chat and its store is up (readiness reports `db: "connected"`). */
async function probeStoreReady(origin: string): Promise<void> {
  await probe(origin);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const response = await request(`${origin}/health/readiness`);
    const readiness = (await response.body.json()) as { db?: string };
    if (readiness.db === "connected") return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error("the gateway's store did not become ready within 60 s");
}

async function startNodeServer(name: string, nodeArgs: string[], port: number, env: NodeJS.ProcessEnv = {}) {
  return startServer({
    name,
    nodeArgs,
    port,
    cwd: root,
    cpu: serverCpu,
    logPath: join(logDir, `${name}.log`),
    env: {
      ...process.env,
      NODE_ENV: "production",
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info",
      SWITCHYARD_SHUTDOWN_GRACE_MS: "1000",
      // Router state stays in process unless a target asks for Redis.
      REDIS_URL: "",
      ...env,
    },
  });
}

/** Builds the gateway if needed; returns why it cannot run, or undefined when dist/src/main.js is ready. */
async function prepareGateway(): Promise<string | undefined> {
  const entry = join(root, "dist/src/main.js");
  if (existsSync(entry) && !forceBuild) {
    log("gateway: using the existing dist/ (pass --build to rebuild)");
    return undefined;
  }
  if (!existsSync(join(root, "src/main.ts"))) return "the gateway does not exist yet (no src/main.ts)";
  log("gateway: npm run build …");
  const build = spawn("npm", ["run", "build"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  trackChild(build);
  let output = "";
  build.stdout.on("data", (part: Buffer) => {
    output += part.toString();
  });
  build.stderr.on("data", (part: Buffer) => {
    output += part.toString();
  });
  const exitCode = await new Promise<number | null>((resolve) => build.once("exit", resolve));
  if (exitCode !== 0) {
    const tail = output.trimEnd().split("\n").slice(-8).join("\n");
    return `npm run build failed (exit ${exitCode}):\n${tail}`;
  }
  return existsSync(entry) ? undefined : "npm run build did not produce dist/src/main.js";
}

/**
 * One run of one scenario against one target. Targets take turns scenario
 * by scenario (see main), so a noisy neighbour slows them alike and the
 * ratios stay meaningful.
 */
async function measureScenario(
  target: ServerProcess,
  upstream: ServerProcess,
  mode: StreamMode,
  connections: number,
  headers: Readonly<Record<string, string>> | undefined,
  ratePerSecond?: number,
): Promise<ScenarioResult> {
  const cpuReadable = canReadCpuTime();
  const url = `${target.origin}/v1/chat/completions`;
  const load = { url, body: bodies[mode], connections, headers };
  // A fixed rate is paced (bench/paced-load.ts); otherwise every connection sends as fast as it is answered.
  const run = (durationSeconds: number) =>
    ratePerSecond === undefined
      ? runLoad({ ...load, durationSeconds })
      : runPacedLoad({ ...load, durationSeconds, ratePerSecond });
  await run(settings.warmupSeconds);
  const targetCpuBefore = cpuReadable ? processCpuMicros(target.pid) : 0;
  const upstreamCpuBefore = cpuReadable ? processCpuMicros(upstream.pid) : 0;
  const result = await run(settings.durationSeconds);
  const perRequest = (before: number, pid: number) =>
    cpuReadable && result.completed > 0 ? (processCpuMicros(pid) - before) / result.completed : null;
  const scenario: ScenarioResult = {
    mode,
    connections,
    requestsPerSecond: result.requestsPerSecond,
    latencyP50Ms: result.latencyP50Ms,
    latencyP99Ms: result.latencyP99Ms,
    cpuMicrosPerRequest: perRequest(targetCpuBefore, target.pid),
    upstreamCpuMicrosPerRequest: target === upstream ? null : perRequest(upstreamCpuBefore, upstream.pid),
    completed: result.completed,
    errors: result.errors,
    durationSeconds: result.durationSeconds,
    rssMiB: processRssMiB(target.pid),
  };
  log(
    `  ${target.name} ${mode} ×${connections}: ${Math.round(scenario.requestsPerSecond)} req/s, ` +
      `p50 ${scenario.latencyP50Ms.toFixed(3)} ms, p99 ${scenario.latencyP99Ms.toFixed(3)} ms, ` +
      `${scenario.cpuMicrosPerRequest?.toFixed(1) ?? "?"} µs CPU/req, ${scenario.errors} errors`,
  );
  return scenario;
}

async function main(): Promise<void> {
  process.on("SIGINT", () => {
    log("\ninterrupted: stopping the servers");
    void shutdown(130);
  });
  process.on("SIGTERM", () => void shutdown(143));
  process.on("exit", killAllServersNow);

  pinLoadGenerator();
  if (!tasksetAvailable) log("taskset is not available: processes are not pinned, numbers are noisier");
  if (!canReadCpuTime()) log("/proc/<pid>/stat is not readable: CPU time per request is not reported");

  log(`server logs and config in ${logDir}`);

  const upstreamPort = await freePort();
  const upstream = await startNodeServer(
    "upstream",
    ["--import", "tsx", "bench/upstream.ts", "--port", String(upstreamPort)],
    upstreamPort,
  );
  await waitUntilReady(upstream, () => probe(upstream.origin), 15_000);

  const targets: Array<{ server?: ServerProcess; result: TargetResult; headers?: Record<string, string> }> =
    [];
  if (settings.targets.includes("upstream")) {
    targets.push({
      server: upstream,
      result: { name: "upstream", description: "the fake upstream alone", scenarios: [], firstByte: null },
    });
  }
  const references = [
    { name: "passthrough", description: "bare undici reverse proxy" },
    {
      name: "json-hop",
      description: "the pass-through that parses and re-serialises the JSON and logs a line: the floor",
    },
  ] as const;
  for (const { name, description } of references) {
    if (!settings.targets.includes(name)) continue;
    const port = await freePort();
    const server = await startNodeServer(
      name,
      [await compiledBenchServer(name), "--port", String(port), "--upstream", upstream.origin],
      port,
    );
    await waitUntilReady(server, () => probe(server.origin), 15_000);
    targets.push({ server, result: { name, description, scenarios: [], firstByte: null } });
  }
  const gatewayTargets = [
    {
      name: "gateway",
      description: "node dist/src/main.js: master key, info logs, metrics, spend log",
      config: gatewayConfig,
      env: {},
    },
    {
      name: "gateway-warn",
      description: "the same with LOG_LEVEL=warn (no access log)",
      config: gatewayConfig,
      env: { LOG_LEVEL: "warn" },
    },
    {
      name: "gateway-anthropic",
      description: "OpenAI clients, Anthropic-format upstream (translation both ways)",
      config: anthropicConfig,
      env: {},
    },
    {
      name: "gateway-group",
      description: "3-deployment group, simple-shuffle, in-process state",
      config: groupConfig,
      env: {},
    },
    {
      name: "gateway-group-redis",
      description: "3-deployment group, simple-shuffle, state in Redis",
      config: groupConfig,
      env: { REDIS_URL: settings.redisUrl, SWITCHYARD_REDIS_PREFIX: `switchyard:bench-${process.pid}:` },
    },
    {
      name: "gateway-master",
      description: "master key, priced deployment, called with the master key",
      config: keysConfig,
      env: {},
    },
    {
      name: "gateway-key",
      description: "gateway-master's very process, called with a virtual key (models, budget, rpm/tpm)",
      config: keysConfig,
      env: {},
      virtualKey: true,
      // One process for both: the comparison is then of the two paths, not of two processes.
      sameServerAs: "gateway-master",
    },
    {
      name: "gateway-cache",
      description: "the plain gateway with litellm_settings.cache (local): every call a hit",
      config: cacheConfig("local"),
      env: {},
    },
    {
      name: "gateway-cache-redis",
      description: "the same, the cache in Redis",
      config: cacheConfig("redis"),
      env: {
        REDIS_URL: settings.redisUrl,
        SWITCHYARD_REDIS_PREFIX: `switchyard:bench-cache-${process.pid}:`,
      },
    },
    {
      name: "gateway-key-redis",
      description: "the same, the key's rpm/tpm counters in Redis",
      config: keysConfig,
      env: { REDIS_URL: settings.redisUrl, SWITCHYARD_REDIS_PREFIX: `switchyard:bench-keys-${process.pid}:` },
      virtualKey: true,
    },
  ].filter((target) => settings.targets.includes(target.name));
  let gatewayUnavailable: string | undefined;
  let gatewayPrepared = false;
  for (const target of gatewayTargets) {
    const result: TargetResult = {
      name: target.name,
      description: target.description,
      scenarios: [],
      firstByte: null,
    };
    if (!gatewayPrepared) {
      gatewayUnavailable = await prepareGateway();
      gatewayPrepared = true;
    }
    let skipped = gatewayUnavailable;
    if (!skipped && target.env.REDIS_URL) skipped = await redisUnavailable(settings.redisUrl);
    let server: ServerProcess | undefined;
    if (!skipped && "sameServerAs" in target) {
      server = targets.find((other) => other.result.name === target.sameServerAs)?.server;
      if (!server) skipped = `needs ${target.sameServerAs}, which is not running`;
    } else if (!skipped) {
      const configPath = join(logDir, `${target.name}.yaml`);
      writeFileSync(configPath, target.config(upstream.origin));
      const port = await freePort();
      const args = gatewayNodeArgs(configPath, port);
      args.push("--data-dir", join(logDir, `${target.name}-data`));
      const store: NodeJS.ProcessEnv = {};
      if (process.env.BENCH_STORE !== "embedded") {
        const schema = await createBenchSchema(target.name);
        schemas.push(schema);
        store.DATABASE_URL = schema.databaseUrl;
      }
      server = await startNodeServer(target.name, args, port, { ...store, ...target.env });
      const started = server;
      // Measure the steady state: the embedded Postgres takes seconds of CPU to
      // create on first start, on the very core the gateway is pinned to.
      skipped = await waitUntilReady(started, () => probeStoreReady(started.origin), 90_000).then(
        () => undefined,
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
      if (skipped) started.child.kill("SIGKILL");
    }
    let headers: Record<string, string> | undefined;
    if (!skipped && "virtualKey" in target) {
      const origin = server!.origin;
      headers = await createBenchKey(origin).catch((error: unknown) => {
        skipped = error instanceof Error ? error.message : String(error);
        return undefined;
      });
      if (skipped && !("sameServerAs" in target)) server!.child.kill("SIGKILL");
    }
    if (skipped) {
      log(`${target.name}: SKIPPED: ${skipped}`);
      targets.push({ result: { ...result, skipped } });
    } else {
      targets.push({ server, result, headers });
    }
  }

  const runSeconds =
    settings.rounds *
    settings.connections.length *
    modes.length *
    (settings.durationSeconds + settings.warmupSeconds);
  const measured = targets.filter((target) => target.server);
  log(`measuring ${measured.length} target(s), about ${Math.ceil(runSeconds * measured.length)} s`);
  for (const mode of modes) {
    for (const connections of settings.connections) {
      const rounds = new Map(measured.map((target) => [target, [] as ScenarioResult[]]));
      for (let round = 0; round < settings.rounds; round++) {
        for (const target of measured) {
          rounds
            .get(target)!
            .push(await measureScenario(target.server!, upstream, mode, connections, target.headers));
        }
      }
      for (const [target, results] of rounds) target.result.scenarios.push(combineRounds(results));
    }
  }
  const halfSaturation = await measureHalfSaturation(measured, upstream);
  for (const target of measured) {
    const server = target.server!;
    const firstByte: FirstByteResult = await measureFirstByte(
      server.origin,
      bodies.stream,
      settings.firstByteRequests,
      Math.ceil(settings.firstByteRequests / 10),
      target.headers,
    ).catch((error: unknown) => {
      log(`  ${server.name}: first byte not measured: ${String(error)}\n${logTail(server, 5)}`);
      return { samples: 0, p50Ms: Number.NaN, p99Ms: Number.NaN };
    });
    target.result.firstByte = firstByte;
    log(
      `  ${server.name} first byte: p50 ${firstByte.p50Ms.toFixed(3)} ms, p99 ${firstByte.p99Ms.toFixed(3)} ms`,
    );
  }

  const targetResults = targets.map((target) => target.result);
  const byName = (name: string) => targetResults.find((target) => target.name === name);
  const results: BenchResults = {
    meta: {
      date: new Date().toISOString(),
      commit: gitCommit(),
      node: process.version,
      cpu: cpus()[0]?.model ?? "unknown",
      cpuCount: cpus().length,
      pinned: tasksetAvailable,
      loadCpu,
      serverCpu,
      quick,
      durationSeconds: settings.durationSeconds,
      warmupSeconds: settings.warmupSeconds,
      rounds: settings.rounds,
      connections: settings.connections,
      firstByteRequests: settings.firstByteRequests,
      requestBodies: bodies,
    },
    targets: targetResults,
    ...ratiosOf(byName("gateway"), byName("passthrough")),
    floor: ratiosOf(byName("json-hop"), byName("passthrough")).ratios,
    halfSaturation,
    routing: routingRatiosOf(byName("gateway"), [
      byName("gateway-anthropic"),
      byName("gateway-group"),
      byName("gateway-group-redis"),
    ]),
    keys: routingRatiosOf(byName("gateway-master"), [byName("gateway-key"), byName("gateway-key-redis")]),
    cache: routingRatiosOf(byName("gateway"), [byName("gateway-cache"), byName("gateway-cache-redis")]),
  };
  const resultsPath = join(root, "bench/results.json");
  writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
  // bench/** is under `biome check`: keep the file in the project's JSON style.
  spawnSync(join(root, "node_modules/.bin/biome"), ["format", "--write", resultsPath], { stdio: "ignore" });
  process.stdout.write(`\n${toMarkdown(results)}\n\n`);
  log(`wrote ${resultsPath}`);
}

/**
 * Latency under a steady load the gateway can carry: the pass-through and
 * the gateway, each at half the rate the gateway saturated at (16
 * connections, or the nearest count measured), per mode. At saturation
 * p99 is queueing; at half of it, p99 is what a caller of a busy gateway sees.
 * The rate is paced evenly (bench/paced-load.ts), not sent in bursts.
 */
async function measureHalfSaturation(
  measured: ReadonlyArray<{ server?: ServerProcess; result: TargetResult; headers?: Record<string, string> }>,
  upstream: ServerProcess,
): Promise<HalfSaturationRow[]> {
  const gateway = measured.find((target) => target.result.name === "gateway");
  const passthrough = measured.find((target) => target.result.name === "passthrough");
  if (!gateway || !passthrough) return [];
  const floor = measured.find((target) => target.result.name === "json-hop");
  const connections = settings.connections.reduce((best, count) =>
    Math.abs(count - 16) < Math.abs(best - 16) ? count : best,
  );
  const rows: HalfSaturationRow[] = [];
  for (const mode of modes) {
    const saturated = gateway.result.scenarios.find(
      (scenario) => scenario.mode === mode && scenario.connections === connections,
    );
    if (!saturated) continue;
    const ratePerSecond = Math.round(saturated.requestsPerSecond / 2);
    log(`half of the gateway's saturation, ${mode}: ${ratePerSecond} req/s over ${connections} connections`);
    for (const target of floor ? [passthrough, floor, gateway] : [passthrough, gateway]) {
      const scenario = await measureScenario(
        target.server!,
        upstream,
        mode,
        connections,
        target.headers,
        ratePerSecond,
      );
      rows.push({ target: target.result.name, ratePerSecond, ...scenario });
    }
  }
  return rows;
}

/** Why the Redis scenario cannot run (Redis does not answer PING), or undefined when it can. */
async function redisUnavailable(url: string): Promise<string | undefined> {
  const { Redis } = await import("ioredis");
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    return `no Redis at ${new URL(url).host}: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    client.disconnect();
  }
}

function gitCommit(): string | undefined {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
  } catch {
    return undefined;
  }
}

main().then(
  () => shutdown(0),
  (error: unknown) => {
    log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return shutdown(1);
  },
);
