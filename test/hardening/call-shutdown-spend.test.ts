import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { type GatewayProcess, spawnGateway } from "../helpers/spawn-gateway.js";
import { adminClient, createSchema, POSTGRES_URL } from "../store/postgres.js";

/**
 * Streams still running when the shutdown grace ends are cut with a 503
 * (in-stream), and each still gets its spend row and access log line: the
 * spend log is written after the cut calls are accounted, not before.
 */

const STREAMS = 6;
let upstream: FakeOpenAI;
let database: Awaited<ReturnType<typeof createSchema>>;
let gateway: GatewayProcess | undefined;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  database = await createSchema();
});
afterAll(async () => {
  await gateway?.stop("SIGKILL");
  await upstream.close();
  await database.drop();
});

/** Resolves once `condition` holds, checking every 50 ms (bounded by the test's timeout). */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe("shutdown with streams in flight", () => {
  it("writes a spend row and a log line for every stream cut at the end of the grace", async () => {
    const directory = await mkdtemp(join(tmpdir(), "switchyard-shutdown-"));
    const config = join(directory, "config.yaml");
    // First chunk at once, then 5 s between chunks: each stream is mid-flight when the grace ends.
    await writeFile(
      config,
      `model_list:
  - model_name: long
    litellm_params: { model: openai/slow-stream-5000, api_base: ${upstream.url}, api_key: sk-test, timeout: 60 }
`,
    );
    const url = new URL(POSTGRES_URL);
    url.searchParams.set("options", `-c search_path=${database.schema}`);
    gateway = await spawnGateway(["--config", config], {
      DATABASE_URL: url.toString(),
      SWITCHYARD_SHUTDOWN_GRACE_MS: "300",
    });
    const running = gateway;
    await until(() => running.logs.some((line) => line.msg === "store: ready"));

    const openai = new OpenAI({ apiKey: "unused", baseURL: `${running.url}/v1`, maxRetries: 0 });
    const firstChunks: Promise<void>[] = [];
    const endings: Promise<unknown>[] = [];
    for (let index = 0; index < STREAMS; index++) {
      const stream = await openai.chat.completions.create({
        model: "long",
        messages: [{ role: "user", content: `stream ${index} please` }],
        stream: true,
      });
      let sawFirst = () => {};
      firstChunks.push(
        new Promise<void>((resolve) => {
          sawFirst = resolve;
        }),
      );
      endings.push(
        (async () => {
          for await (const _chunk of stream) sawFirst();
        })().then(
          () => "ended",
          (reason: unknown) => reason,
        ),
      );
    }
    await Promise.all(firstChunks);

    expect(await running.stop("SIGTERM")).toBe(0);
    const outcomes = await Promise.all(endings);
    for (const outcome of outcomes) {
      expect(outcome).toBeInstanceOf(OpenAI.APIError);
      expect(String((outcome as Error).message)).toMatch(/shutting down/);
    }

    const accessLines = running.logs.filter((line) => line.model === "long" && line.status === 503);
    expect(accessLines).toHaveLength(STREAMS);
    const client = await adminClient();
    try {
      const rows = await client.query<{ status: string; status_code: number; deployment_id: string }>(
        `select status, status_code, deployment_id from ${database.schema}.spend_logs where model = 'long'`,
      );
      expect(rows.rows).toHaveLength(STREAMS);
      for (const row of rows.rows) {
        expect(row).toMatchObject({ status: "failure", status_code: 503 });
        expect(row.deployment_id).toBeTruthy();
      }
    } finally {
      await client.end();
    }
  }, 30_000);
});
