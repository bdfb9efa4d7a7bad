import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { request } from "undici";
import { Role } from "../gen/switchyard/v1/chat_pb.js";
import { ChatCompletionRequestSchema, CompletionService } from "../gen/switchyard/v1/completion_pb.js";
import { createBenchSchema } from "./bench-database.js";
import { processCpuMicros } from "./cpu-time.js";
import { benchHeaders, percentile, runLoad } from "./load.js";
import {
  freePort,
  gatewayNodeArgs,
  startServer,
  stopAllServers,
  tasksetAvailable,
  waitUntilReady,
} from "./server-process.js";

/**
 * `npx tsx bench/grpc.ts` (after `npm run build`): the Connect doors beside the
 * REST door of the same gateway process, in one run — gRPC unary
 * (CreateChatCompletion) and server-stream (StreamChatCompletion) through
 * connect-node's gRPC transport (HTTP/2, one connection per client, as a
 * gRPC client holds), and REST non-stream and stream through autocannon.
 * The gateway is run as users run it: master key, info logs, metrics, spend
 * log into Postgres. Prints CPU µs per request of the gateway process for
 * each, and the gRPC ÷ REST ratio (issue 18's goal: ≤ 1.2×).
 *
 * Environment: BENCH_DURATION (s per run, default 5), BENCH_CONNECTIONS
 * (concurrent calls, default 16), BENCH_DATABASE_URL.
 */

const root = fileURLToPath(new URL("..", import.meta.url));
const durationSeconds = Number(process.env.BENCH_DURATION ?? 5);
const concurrency = Number(process.env.BENCH_CONNECTIONS ?? 16);
const workDir = mkdtempSync(join(tmpdir(), "switchyard-bench-grpc-"));
const prompt = "Say hello to the benchmark in one short sentence.";

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

interface Row {
  readonly name: string;
  readonly requests: number;
  readonly seconds: number;
  readonly cpuMicros: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

/** `concurrency` callers in a loop for the duration, each awaiting its call before the next. */
async function closedLoop(name: string, pid: number, call: () => Promise<void>): Promise<Row> {
  const latencies: number[] = [];
  let errors = 0;
  const cpuBefore = processCpuMicros(pid);
  const started = performance.now();
  const until = started + durationSeconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const begin = performance.now();
        try {
          await call();
          latencies.push(performance.now() - begin);
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((left, right) => left - right);
  return {
    name,
    requests: latencies.length + errors,
    seconds,
    cpuMicros: processCpuMicros(pid) - cpuBefore,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    errors,
  };
}

async function main(): Promise<void> {
  if (tasksetAvailable)
    spawnSync("taskset", ["-a", "-p", "-c", "0", String(process.pid)], { stdio: "ignore" });
  const upstreamPort = await freePort();
  const upstream = startServer({
    name: "upstream",
    nodeArgs: ["--import", "tsx", "bench/upstream.ts", "--port", String(upstreamPort)],
    port: upstreamPort,
    logPath: join(workDir, "upstream.log"),
    cwd: root,
    cpu: 1,
  });
  await waitUntilReady(upstream, async () => void (await request(`${upstream.origin}/`)).body.dump(), 15_000);
  const configPath = join(workDir, "gateway.yaml");
  writeFileSync(
    configPath,
    [
      "general_settings: { master_key: sk-bench }",
      "model_list:",
      "  - model_name: bench",
      "    litellm_params:",
      "      model: openai/bench",
      `      api_base: ${upstream.origin}/v1`,
      "      api_key: sk-bench",
      "",
    ].join("\n"),
  );
  const schema = await createBenchSchema("grpc");
  const port = await freePort();
  const gateway = startServer({
    name: "gateway",
    nodeArgs: gatewayNodeArgs(configPath, port),
    port,
    logPath: join(workDir, "gateway.log"),
    cwd: root,
    cpu: 1,
    env: {
      ...process.env,
      NODE_ENV: "production",
      LOG_LEVEL: "info",
      REDIS_URL: "",
      DATABASE_URL: schema.databaseUrl,
    },
  });
  await waitUntilReady(
    gateway,
    async () => {
      const response = await request(`${gateway.origin}/health/readiness`);
      const body = (await response.body.json()) as { db?: string };
      if (body.db !== "connected")
        throw Object.assign(new Error("store not ready"), { code: "ECONNREFUSED" });
    },
    60_000,
  );

  const client = createClient(
    CompletionService,
    createGrpcTransport({ baseUrl: gateway.origin, interceptors: [] }),
  );
  const message = create(ChatCompletionRequestSchema, {
    model: "bench",
    messages: [{ role: Role.USER, content: [{ part: { case: "text", value: prompt } }] }],
  });
  const headers = { authorization: "Bearer sk-bench" };
  const unary = async () => {
    await client.createChatCompletion(message, { headers });
  };
  const stream = async () => {
    for await (const _chunk of client.streamChatCompletion(message, { headers })) {
      // drained
    }
  };
  const restBody = (streamed: boolean) =>
    JSON.stringify({ model: "bench", messages: [{ role: "user", content: prompt }], stream: streamed });
  const rest = async (name: string, streamed: boolean, ratePerSecond?: number): Promise<Row> => {
    const cpuBefore = processCpuMicros(gateway.pid);
    const result = await runLoad({
      url: `${gateway.origin}/v1/chat/completions`,
      body: restBody(streamed),
      connections: concurrency,
      durationSeconds,
      headers: benchHeaders,
      ...(ratePerSecond !== undefined && { ratePerSecond }),
    });
    return {
      name,
      requests: result.completed,
      seconds: result.durationSeconds,
      cpuMicros: processCpuMicros(gateway.pid) - cpuBefore,
      p50Ms: result.latencyP50Ms,
      p99Ms: result.latencyP99Ms,
      errors: result.errors,
    };
  };

  // Warm every path once, then measure in turns.
  await closedLoop("warm-up", gateway.pid, unary);
  await closedLoop("warm-up", gateway.pid, stream);
  // The gRPC client (one process, one HTTP/2 connection) may not keep the gateway busy, and an
  // idle loop spreads its fixed costs over fewer calls: REST is measured again at the rate gRPC
  // reached, so each gRPC row has a REST row under the same load beside it.
  const perSecond = (row: Row) => row.requests / row.seconds;
  const unaryRow = await closedLoop("gRPC unary", gateway.pid, unary);
  const streamRow = await closedLoop("gRPC server-stream", gateway.pid, stream);
  const groups: Row[][] = [
    [await rest("REST non-stream", false), unaryRow],
    [await rest("REST non-stream at gRPC's rate", false, perSecond(unaryRow)), unaryRow],
    [await rest("REST stream", true), streamRow],
    [await rest("REST stream at gRPC's rate", true, perSecond(streamRow)), streamRow],
  ];
  const cpuPerRequest = (row: Row) => row.cpuMicros / Math.max(1, row.requests);
  log(`\n${concurrency} concurrent calls, ${durationSeconds} s each, gateway on CPU 1\n`);
  log("| door | req/s | p50 ms | p99 ms | CPU µs/req | gRPC ÷ this | errors |");
  log("|---|--:|--:|--:|--:|--:|--:|");
  const line = (row: Row, ratio: string) =>
    log(
      `| ${row.name} | ${perSecond(row).toFixed(0)} | ${row.p50Ms.toFixed(2)} | ${row.p99Ms.toFixed(2)} | ${cpuPerRequest(row).toFixed(1)} | ${ratio} | ${row.errors} |`,
    );
  for (const [restRow, grpcRow] of groups) {
    line(restRow!, `${(cpuPerRequest(grpcRow!) / cpuPerRequest(restRow!)).toFixed(2)}×`);
  }
  line(unaryRow, "");
  line(streamRow, "");
  await stopAllServers();
  await schema.drop();
  rmSync(workDir, { recursive: true, force: true });
}

main().catch(async (error: unknown) => {
  log(`bench failed: ${error instanceof Error ? error.stack : String(error)}`);
  await stopAllServers();
  process.exit(1);
});
