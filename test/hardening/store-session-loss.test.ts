import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { call, timeUntil } from "../fleet/fleet.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { type GatewayProcess, spawnGateway } from "../helpers/spawn-gateway.js";
import { adminClient, createSchema, POSTGRES_URL, postgresSkipReason } from "../store/postgres.js";

const skipReason = await postgresSkipReason();
/** How long Postgres keeps ending the gateway's sessions, under traffic. */
const KILLING_MS = 8000;

/**
 * What a failover, a pooler restart or an admin's pg_terminate_backend does to a running gateway:
 * every session it holds ends, again and again, while keys, the spend log and admin calls use them.
 * The process must live, completions must not fail, and every spend row must arrive afterwards.
 */
describe.skipIf(skipReason !== undefined)("Postgres ending the gateway's sessions under traffic", () => {
  let upstream: FakeOpenAI;
  let directory: string;
  let schema: Awaited<ReturnType<typeof createSchema>>;
  let gateway: GatewayProcess;
  const applicationName = `switchyard-loss-${randomBytes(4).toString("hex")}`;

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    directory = await mkdtemp(join(tmpdir(), "switchyard-loss-"));
    schema = await createSchema();
    const configPath = join(directory, "config.yaml");
    await writeFile(
      configPath,
      `
model_list:
  - model_name: chat
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstream.url}, api_key: sk-up }
    model_info: { input_cost_per_token: 0.000001, output_cost_per_token: 0.000001 }
general_settings: { master_key: ${MASTER_KEY}, proxy_batch_write_at: 0.2 }
`,
    );
    const url = new URL(POSTGRES_URL);
    url.searchParams.set("options", `-c search_path=${schema.schema}`);
    url.searchParams.set("application_name", applicationName);
    gateway = await spawnGateway(["--config", configPath], { DATABASE_URL: url.toString() });
    await timeUntil(
      async () => (await call(`${gateway.url}/health/readiness`, "GET")).body.db === "connected",
    );
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop("SIGKILL");
    await upstream?.close();
    await schema?.drop();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it("lives, answers every completion, and writes every spend row once Postgres lets it", async () => {
    // Readiness says "connected" before the first start's migrations are done: wait for the keys table.
    let generated = await call(`${gateway.url}/key/generate`, "POST", { max_budget: 100 }, MASTER_KEY);
    await timeUntil(async () => {
      if (generated.status !== 200) {
        generated = await call(`${gateway.url}/key/generate`, "POST", { max_budget: 100 }, MASTER_KEY);
      }
      return generated.status === 200;
    });
    const key = generated.body.key as string;
    const openai = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    await timeUntil(
      async () => (await call(`${gateway.url}/key/info`, "GET", undefined, key)).status === 200,
    );

    const admin = await adminClient();
    let killing = true;
    let killed = 0;
    const killer = (async () => {
      while (killing) {
        const result = await admin.query(
          "select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1",
          [applicationName],
        );
        killed += result.rowCount ?? 0;
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    })();

    let completions = 0;
    const failures: unknown[] = [];
    const started = performance.now();
    while (performance.now() - started < KILLING_MS) {
      // Completions need nothing from the store: they must all succeed.
      try {
        await openai.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "hi" }] });
        completions++;
      } catch (error) {
        failures.push(error);
      }
      // Admin calls read the store: they may fail with a 503 while sessions die, never crash anything.
      const info = await call(`${gateway.url}/key/info`, "GET", undefined, key);
      expect([200, 503]).toContain(info.status);
    }
    killing = false;
    await killer;
    await admin.end();

    expect(failures).toEqual([]);
    expect(completions).toBeGreaterThan(10);
    expect(killed).toBeGreaterThan(0);
    expect(gateway.child.exitCode).toBeNull();
    expect(gateway.stderr()).not.toMatch(/Unhandled|uncaught/i);

    // Every completion's spend row arrives once the sessions stop dying.
    const rows = async () => {
      const client = await adminClient();
      try {
        const result = await client.query(
          `select count(*)::int as n from ${schema.schema}.spend_logs where api_key is not null`,
        );
        return result.rows[0].n as number;
      } finally {
        await client.end();
      }
    };
    await timeUntil(async () => (await rows()) >= completions, 20_000);
    expect(await rows()).toBe(completions);
  }, 60_000);
});
