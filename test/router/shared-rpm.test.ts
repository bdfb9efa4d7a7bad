import { once } from "node:events";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as waitFor } from "node:timers/promises";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { deleteKeys, REDIS_URL, redisClient, redisSkipReason, uniqueKeyPrefix } from "../helpers/redis.js";
import { type GatewayProcess, spawnGateway } from "../helpers/spawn-gateway.js";

const skipReason = await redisSkipReason();
if (skipReason) console.warn(`shared rpm test skipped: ${skipReason}`);

/** Resolves once the gateway has logged a line that matches. */
async function logged(gateway: GatewayProcess, message: string): Promise<void> {
  const exited = once(gateway.child, "exit").then(() => "exit" as const);
  while (!gateway.logs.some((line) => line.msg === message)) {
    const next = await Promise.race([
      once(gateway.child.stdout!, "data").then(() => "data" as const),
      exited,
    ]);
    if (next === "exit") throw new Error(`gateway exited before logging "${message}": ${gateway.stderr()}`);
  }
}

describe.skipIf(skipReason !== undefined)("two replicas sharing Redis", () => {
  const prefix = uniqueKeyPrefix();
  let upstream: FakeOpenAI;
  let replicas: GatewayProcess[] = [];
  let admin: Redis;

  beforeAll(async () => {
    admin = redisClient();
    upstream = await startFakeOpenAI();
    const directory = await mkdtemp(join(tmpdir(), "switchyard-shared-"));
    const path = join(directory, "config.yaml");
    await writeFile(
      path,
      [
        "model_list:",
        "  - model_name: limited",
        "    litellm_params:",
        "      model: openai/gpt-4o-mini",
        `      api_base: ${upstream.url}`,
        "      api_key: sk-test",
        "      rpm: 10",
        "",
      ].join("\n"),
    );
    // A loaded CI machine can take longer than the 100 ms default to answer; the
    // replicas would then count on their own and the shared limit is what is tested.
    const env = { REDIS_URL, SWITCHYARD_REDIS_PREFIX: prefix, SWITCHYARD_REDIS_TIMEOUT_MS: "5000" };
    replicas = await Promise.all([
      spawnGateway(["--config", path], env),
      spawnGateway(["--config", path], env),
    ]);
    // Requests before the connection is up would be counted locally.
    await Promise.all(
      replicas.map((replica) => logged(replica, "Redis connected: router state is shared across replicas")),
    );
  });
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop("SIGKILL")));
    await upstream?.close();
    await deleteKeys(admin, prefix);
    admin.disconnect();
  });

  it("lets no more than the deployment's rpm through across both", async () => {
    // The limit is per clock minute: do not start in the last seconds of one.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 57_000) await waitFor(60_000 - intoMinute + 50);

    const statuses = await Promise.all(
      Array.from({ length: 30 }, async (_, index) => {
        const response = await fetch(`${replicas[index % 2]!.url}/v1/chat/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model: "limited", messages: [{ role: "user", content: `hello ${index}` }] }),
        });
        await response.arrayBuffer();
        return response.status;
      }),
    );
    const upstreamCalls = upstream.requests.filter((request) => request.path === "/v1/chat/completions");
    expect(upstreamCalls).toHaveLength(10);
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(20);
  });
});
