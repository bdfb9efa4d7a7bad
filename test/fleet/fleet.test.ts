import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Message, Role, TaskState } from "@a2a-js/sdk";
import {
  type Client,
  ClientFactory,
  ClientFactoryOptions,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
} from "@a2a-js/sdk/client";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentService } from "../../gen/switchyard/v1/agent_pb.js";
import { migrations } from "../../src/store/migrations.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { REDIS_URL, redisSkipReason } from "../helpers/redis.js";
import type { GatewayProcess } from "../helpers/spawn-gateway.js";
import { adminClient, createSchema, postgresSkipReason } from "../store/postgres.js";
import {
  call,
  chatStatus,
  type FleetSettings,
  fleetSettings,
  portOf,
  startReplica,
  timeUntil,
} from "./fleet.js";
import { startTcpBalancer, type TcpBalancer } from "./tcp-balancer.js";

/**
 * Three gateway processes sharing one Postgres schema and one Redis prefix, behind a round-robin
 * TCP balancer: the fleet a Kubernetes Deployment with N replicas runs. Each behaviour is checked
 * from the outside, with real clients, the way an operator would see it.
 */
const skipReason = (await postgresSkipReason()) ?? (await redisSkipReason());

/** Within this a change made through one replica must be in force on the others (NOTIFY + reload). */
const PROPAGATION_MS = 1000;

describe.skipIf(skipReason !== undefined)("a fleet of three replicas", () => {
  let upstream: FakeOpenAI;
  let directory: string;
  let schema: Awaited<ReturnType<typeof createSchema>>;
  let settings: FleetSettings;
  let replicas: GatewayProcess[] = [];
  let balancer: TcpBalancer;

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    directory = await mkdtemp(join(tmpdir(), "switchyard-fleet-"));
    schema = await createSchema();
    const configPath = join(directory, "config.yaml");
    await writeFile(
      configPath,
      `
model_list:
  - model_name: chat
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstream.url}, api_key: sk-up }
    model_info: { input_cost_per_token: 0.001, output_cost_per_token: 0.001 }
  - model_name: slow-chat
    litellm_params: { model: openai/slow-stream-40, api_base: ${upstream.url}, api_key: sk-up }
  - model_name: flaky
    litellm_params: { model: openai/error-500, api_base: ${upstream.url}, api_key: sk-up }
  - model_name: flaky
    litellm_params: { model: openai/gpt-4o, api_base: ${upstream.url}, api_key: sk-up }
  - model_name: stored-credential
    litellm_params: { model: openai/gpt-4o-mini, litellm_credential_name: fleet-credential }
router_settings:
  num_retries: 2
  allowed_fails: 0
  cooldown_time: 300
  retry_after: 0
agents:
  - agent_name: echo
    agent_card_params: { name: Echo, description: Echoes through the router }
    litellm_params: { model: chat }
general_settings:
  master_key: ${MASTER_KEY}
`,
    );
    settings = fleetSettings(configPath, schema.schema, REDIS_URL);
    // All three start at once on an empty schema: the migrations' advisory lock lets one apply them.
    replicas = await Promise.all([0, 1, 2].map(() => startReplica(settings)));
    balancer = await startTcpBalancer(replicas.map(portOf));
    // Every replica has migrated and loaded the store (readiness says so) before the tests start.
    for (const replica of replicas) {
      await timeUntil(
        async () => (await call(`${replica.url}/health/readiness`, "GET")).body?.db === "connected",
      );
    }
  }, 120_000);

  afterAll(async () => {
    await balancer?.close();
    await Promise.all(replicas.map((replica) => replica.stop("SIGKILL")));
    await upstream?.close();
    await schema?.drop();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it("three replicas starting together on an empty schema migrate it once and all become ready", async () => {
    const client = await adminClient();
    try {
      const rows = await client.query(
        `select version from ${schema.schema}.switchyard_migrations order by version`,
      );
      expect(rows.rows.map((row) => row.version)).toEqual(migrations.map((migration) => migration.version));
    } finally {
      await client.end();
    }
    for (const replica of replicas) {
      expect(await call(`${replica.url}/health/readiness`, "GET")).toMatchObject({ status: 200 });
    }
  });

  it("holds a key's rpm limit exactly across the fleet", async () => {
    const generated = await call(`${replicas[0]!.url}/key/generate`, "POST", {
      rpm_limit: 6,
      models: ["chat"],
    });
    expect(generated.status).toBe(200);
    const key = generated.body.key as string;
    const minute = () => Math.floor(Date.now() / 60_000);
    const startMinute = minute();
    await Promise.all(
      replicas.map((replica) => timeUntil(async () => (await chatStatus(replica.url, "chat", key)) !== 401)),
    );
    // Each replica admitted one call above; 3 of the 6 are used. Nine more, three per replica, at once.
    const statuses = await Promise.all(
      Array.from({ length: 9 }, (_, index) => chatStatus(replicas[index % 3]!.url, "chat", key)),
    );
    const passed = statuses.filter((status) => status === 200).length;
    expect(statuses.filter((status) => status !== 200 && status !== 429)).toEqual([]);
    // The window is the calendar minute: one that turned during the test starts a new count.
    if (minute() === startMinute) expect(passed).toBe(3);
    else expect(passed).toBeGreaterThanOrEqual(3);
  });

  it("holds a key's tpm limit across the fleet: once spent on one replica, every replica refuses", async () => {
    const generated = await call(`${replicas[1]!.url}/key/generate`, "POST", { tpm_limit: 40 });
    const key = generated.body.key as string;
    await timeUntil(async () => (await chatStatus(replicas[2]!.url, "chat", key)) !== 401);
    // Each call costs 1 + 2 words of prompt and answer ("echo: ten words…"): ~22 tokens with ten words.
    const words = "one two three four five six seven eight nine ten";
    let refused = -1;
    for (let index = 0; index < 6 && refused < 0; index++) {
      const status = await chatStatus(replicas[index % 3]!.url, "chat", key, words);
      if (status === 429) refused = index;
    }
    expect(refused).toBeGreaterThan(0);
    for (const replica of replicas) expect(await chatStatus(replica.url, "chat", key, words)).toBe(429);
  });

  it("a key's budget, spent through one replica, is refused by all", async () => {
    const generated = await call(`${replicas[0]!.url}/key/generate`, "POST", { max_budget: 0.005 });
    const key = generated.body.key as string;
    await timeUntil(async () => (await chatStatus(replicas[1]!.url, "chat", key)) !== 401);
    // 0.001 per token: the call above already crossed the budget (≥ 5 tokens).
    await Promise.all(
      replicas.map((replica) =>
        timeUntil(async () => (await chatStatus(replica.url, "chat", key)) === 400, 5000),
      ),
    );
  });

  it("a key, a credential and an agent created through one replica are used by the others within 1 s", async () => {
    const [first, second, third] = replicas as [GatewayProcess, GatewayProcess, GatewayProcess];

    const generated = await call(`${first.url}/key/generate`, "POST", { key_alias: `fleet-${randomUUID()}` });
    const key = generated.body.key as string;
    const keyDelays = await Promise.all(
      [second, third].map((replica) =>
        timeUntil(async () => (await chatStatus(replica.url, "chat", key)) === 200),
      ),
    );
    expect(Math.max(...keyDelays)).toBeLessThan(PROPAGATION_MS);

    expect(await chatStatus(third.url, "stored-credential", MASTER_KEY)).not.toBe(200);
    const created = await call(`${second.url}/credentials`, "POST", {
      credential_name: "fleet-credential",
      credential_values: { api_key: "sk-from-store", api_base: upstream.url },
      credential_info: {},
    });
    expect(created.status).toBe(200);
    const credentialDelays = await Promise.all(
      [first, third].map((replica) =>
        timeUntil(async () => (await chatStatus(replica.url, "stored-credential", MASTER_KEY)) === 200),
      ),
    );
    expect(Math.max(...credentialDelays)).toBeLessThan(PROPAGATION_MS);
    expect(upstream.requests.at(-1)?.headers.authorization).toBe("Bearer sk-from-store");

    const agents = createClient(
      AgentService,
      createConnectTransport({
        baseUrl: third.url,
        httpVersion: "1.1",
        interceptors: [
          (next) => (request) => {
            request.header.set("authorization", `Bearer ${MASTER_KEY}`);
            return next(request);
          },
        ],
      }),
    );
    await agents.createAgent({
      agent: {
        agentName: "fleet-agent",
        agentCardParams: { name: "Fleet agent", description: "Made on one replica" },
        litellmParams: { model: "chat" },
      },
    });
    const agentDelays = await Promise.all(
      [first, second].map((replica) =>
        timeUntil(async () => (await fetch(`${replica.url}/a2a/fleet-agent/.well-known/agent-card.json`)).ok),
      ),
    );
    expect(Math.max(...agentDelays)).toBeLessThan(PROPAGATION_MS);
  });

  it("a deployment cooled down on one replica is skipped by all", async () => {
    const failing = () =>
      upstream.requests.filter((request) => (request.body as { model?: string })?.model === "error-500");
    // Through the first replica until the failing deployment was tried (random pick) and cooled down.
    await timeUntil(async () => {
      expect(await chatStatus(replicas[0]!.url, "flaky", MASTER_KEY)).toBe(200);
      return failing().length > 0;
    });
    const triedBefore = failing().length;
    for (let index = 0; index < 12; index++) {
      expect(await chatStatus(replicas[1 + (index % 2)]!.url, "flaky", MASTER_KEY)).toBe(200);
    }
    expect(failing().length).toBe(triedBefore);
  });

  it("A2A tasks created on one replica are readable on another", async () => {
    const authedFetch: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set("authorization", `Bearer ${MASTER_KEY}`);
      return fetch(input, { ...init, headers });
    };
    const clientOn = (replica: GatewayProcess): Promise<Client> =>
      new ClientFactory(
        ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
          transports: [new JsonRpcTransportFactory({ fetchImpl: authedFetch })],
          cardResolver: new DefaultAgentCardResolver({ fetchImpl: fetch }),
        }),
      ).createFromUrl(`${replica.url}/a2a/echo/`);
    const message: Message = {
      messageId: randomUUID(),
      contextId: "",
      taskId: "",
      role: Role.ROLE_USER,
      parts: [
        { content: { $case: "text", value: "across the fleet" }, mediaType: "", filename: "", metadata: {} },
      ],
      metadata: {},
      extensions: [],
      referenceTaskIds: [],
    };
    const task = await (await clientOn(replicas[0]!)).sendMessage({
      tenant: "",
      message,
      configuration: undefined,
      metadata: {},
    });
    if (!("id" in task) || !("status" in task)) throw new Error("expected a task");
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const fetched = await (await clientOn(replicas[2]!)).getTask({
      tenant: "",
      id: task.id,
      historyLength: undefined,
    });
    expect(fetched.id).toBe(task.id);
    expect(fetched.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const text = fetched.artifacts
      .flatMap((artifact) => artifact.parts)
      .map((part) => (part.content?.$case === "text" ? String(part.content.value) : ""))
      .join("");
    expect(text).toBe("echo: across the fleet");
  });

  it("a rolling restart under load loses no request and cuts no stream", async () => {
    // The SDK's default retries (2), as users run it: a request racing a replica's close of an idle
    // keep-alive connection is sent again, as with any load balancer.
    const openai = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${balancer.url}/v1`, maxRetries: 2 });
    const words = Array.from({ length: 30 }, (_, index) => `w${index}`).join(" ");
    const failures: unknown[] = [];

    async function oneStream(): Promise<string> {
      const stream = await openai.chat.completions.create({
        model: "slow-chat",
        stream: true,
        messages: [{ role: "user", content: words }],
      });
      let text = "";
      let finish: string | null | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      if (finish !== "stop") throw new Error(`stream ended with ${String(finish)}`);
      return text;
    }

    let steady = true;
    let steadyDone = 0;
    const steadyLoop = (async () => {
      while (steady) {
        try {
          const completion = await openai.chat.completions.create({
            model: "chat",
            messages: [{ role: "user", content: "steady" }],
          });
          expect(completion.choices[0]?.message.content).toBe("echo: steady");
          steadyDone++;
        } catch (error) {
          failures.push(error);
        }
      }
    })();

    const restarted: GatewayProcess[] = [];
    for (let index = 0; index < replicas.length; index++) {
      // 50 streams in flight across the fleet (each ~1.2 s), then one replica is told to stop.
      const slowStreams = () =>
        upstream.requests.filter(
          (request) => (request.body as { model?: string })?.model === "slow-stream-40",
        ).length;
      const before = slowStreams();
      const streams = Array.from({ length: 50 }, () =>
        oneStream().catch((error: unknown) => failures.push(error)),
      );
      await timeUntil(async () => slowStreams() >= before + 50);
      const old = replicas[index]!;
      const stopped = old.stop("SIGTERM");
      const replacement = await startReplica(settings);
      restarted.push(replacement);
      balancer.setBackends([
        ...replicas.filter((replica) => replica !== old).map(portOf),
        portOf(replacement),
      ]);
      replicas[index] = replacement;
      expect(await stopped).toBe(0);
      const texts = await Promise.all(streams);
      for (const text of texts) if (typeof text === "string") expect(text).toBe(`echo: ${words}`);
    }
    steady = false;
    await steadyLoop;
    expect(failures).toEqual([]);
    expect(steadyDone).toBeGreaterThan(0);
    expect(restarted.length).toBe(3);
  }, 120_000);
});
