import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AgentService, AgentSource } from "../../gen/switchyard/v1/agent_pb.js";
import type { Store } from "../../src/store/store.js";
import {
  pgliteBackend,
  postgresBackend,
  type StoreBackend,
  type StoreGateway,
  startStoreGateway,
} from "../credentials-e2e/store-gateway.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { startGateway } from "../helpers/start-gateway.js";
import { uniqueName } from "../store/postgres.js";

const headers = { authorization: `Bearer ${MASTER_KEY}` };

function yaml(masterKey: string | null = MASTER_KEY): string {
  return `
model_list:
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_key: sk-test, mock_response: hi }
  - model_name: claude
    litellm_params: { model: openai/gpt-4o-mini, api_key: sk-test, mock_response: hi }
agents:
  - agent_name: support-bot
    agent_card_params: { name: Support bot, version: "1.0.0" }
    litellm_params: { model: gpt-4o, system_prompt: Be brief. }
${masterKey ? `general_settings: { master_key: ${masterKey} }` : ""}
`;
}

function failure(promise: Promise<unknown>): Promise<ConnectError | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => ConnectError.from(error),
  );
}

/** A gateway over `store` whose stored agents are loaded. */
async function start(store: Store, masterKey: string | null = MASTER_KEY): Promise<StoreGateway> {
  const running = await startStoreGateway(yaml(masterKey), { store });
  await running.gateway.agentsReady;
  return running;
}

describe.each([pgliteBackend(), postgresBackend()])("AgentService on $name", (backend: StoreBackend) => {
  describe.skipIf(backend.skipReason !== undefined)("", () => {
    let store: Store;
    let running: StoreGateway;
    const others: StoreGateway[] = [];
    const otherStores: Store[] = [];

    beforeAll(async () => {
      await backend.setUp();
      store = backend.open();
      running = await start(store);
    }, 60_000);
    afterEach(async () => {
      await Promise.all(others.splice(0).map((other) => other.close()));
      await Promise.all(otherStores.splice(0).map((other) => other.close()));
    });
    afterAll(async () => {
      await running?.close();
      await store?.close();
      await backend.tearDown();
    });

    it.each([
      ["gRPC", () => createGrpcTransport({ baseUrl: running.url })],
      [
        "Connect JSON",
        () => createConnectTransport({ baseUrl: running.url, httpVersion: "1.1", useBinaryFormat: false }),
      ],
    ])("creates, reads, lists, updates and deletes an agent through %s", async (_transport, transport) => {
      const client = createClient(AgentService, transport());
      const name = uniqueName("agent").replaceAll("_", "-");
      const created = await client.createAgent(
        {
          agent: {
            agentName: name,
            agentCardParams: { name: "Helper", skills: [{ id: "answer", name: "Answer" }] },
            litellmParams: { model: "gpt-4o", system_prompt: "Help." },
          },
        },
        { headers },
      );
      expect(created.agent).toMatchObject({
        agentName: name,
        agentCardParams: { name: "Helper", skills: [{ id: "answer", name: "Answer" }] },
        litellmParams: { model: "gpt-4o", system_prompt: "Help." },
        source: AgentSource.STORE,
      });
      expect(created.agent?.createTime).toBeDefined();
      // This replica serves it at once: the write awaited the registry's reload.
      expect(running.gateway.agents.get(name)).toEqual({
        name,
        cardParams: { name: "Helper", skills: [{ id: "answer", name: "Answer" }] },
        model: "gpt-4o",
        systemPrompt: "Help.",
        source: "store",
      });

      const got = await client.getAgent({ agentName: name }, { headers });
      expect(got.agent?.agentCardParams).toEqual({
        name: "Helper",
        skills: [{ id: "answer", name: "Answer" }],
      });
      const listed = await client.listAgents({}, { headers });
      const names = listed.agents.map((agent) => agent.agentName);
      expect(names).toContain(name);
      expect(names).toEqual([...names].sort());
      expect(listed.agents.find((agent) => agent.agentName === "support-bot")).toMatchObject({
        source: AgentSource.CONFIG,
        agentCardParams: { name: "Support bot", version: "1.0.0" },
        litellmParams: { model: "gpt-4o", system_prompt: "Be brief." },
      });

      // Given parts replace the stored ones whole; litellm_params is kept.
      const updated = await client.updateAgent(
        { agentName: name, agentCardParams: { name: "Helper 2", url: "http://127.0.0.1:9300" } },
        { headers },
      );
      expect(updated.agent).toMatchObject({
        agentCardParams: { name: "Helper 2", url: "http://127.0.0.1:9300" },
        litellmParams: { model: "gpt-4o", system_prompt: "Help." },
      });
      expect(running.gateway.agents.get(name)?.cardParams).toEqual({
        name: "Helper 2",
        url: "http://127.0.0.1:9300",
      });

      await client.deleteAgent({ agentName: name }, { headers });
      expect(running.gateway.agents.get(name)).toBeUndefined();
      expect(await failure(client.getAgent({ agentName: name }, { headers }))).toMatchObject({
        code: Code.NotFound,
      });
      expect(await failure(client.deleteAgent({ agentName: name }, { headers }))).toMatchObject({
        code: Code.NotFound,
      });
    });

    it("answers INVALID_ARGUMENT naming the field, and ALREADY_EXISTS for a taken name", async () => {
      const client = createClient(AgentService, createGrpcTransport({ baseUrl: running.url }));
      const unknownModel = await failure(
        client.createAgent(
          {
            agent: { agentName: "bad", agentCardParams: { name: "Bad" }, litellmParams: { model: "gpt-5" } },
          },
          { headers },
        ),
      );
      expect(unknownModel?.code).toBe(Code.InvalidArgument);
      expect(unknownModel?.rawMessage).toContain('agent.litellm_params.model: unknown model group "gpt-5"');
      const noName = await failure(
        client.createAgent({ agent: { agentCardParams: { url: "http://127.0.0.1:9300" } } }, { headers }),
      );
      expect(noName?.rawMessage).toContain("agent.agent_name: required");
      expect(noName?.rawMessage).toContain("agent.agent_card_params.name: required");

      const name = uniqueName("taken").replaceAll("_", "-");
      const agent = { agentName: name, agentCardParams: { name: "Taken", url: "http://127.0.0.1:9300" } };
      await client.createAgent({ agent }, { headers });
      expect(await failure(client.createAgent({ agent }, { headers }))).toMatchObject({
        code: Code.AlreadyExists,
      });
      // An update that would leave neither a model nor a url is refused, and nothing changes.
      const broken = await failure(
        client.updateAgent({ agentName: name, agentCardParams: { name: "Taken" } }, { headers }),
      );
      expect(broken?.code).toBe(Code.InvalidArgument);
      expect((await client.getAgent({ agentName: name }, { headers })).agent?.agentCardParams).toEqual(
        agent.agentCardParams,
      );
      await client.deleteAgent({ agentName: name }, { headers });
    });

    it("lets a stored agent override the YAML one of the same name, and refuses to change a YAML-only agent", async () => {
      const client = createClient(AgentService, createGrpcTransport({ baseUrl: running.url }));
      // One call at a time: a refusal must not arrive before anything awaits it.
      for (const change of [
        () => client.updateAgent({ agentName: "support-bot", agentCardParams: { name: "X" } }, { headers }),
        () => client.deleteAgent({ agentName: "support-bot" }, { headers }),
      ]) {
        const refused = await failure(change());
        expect(refused?.code).toBe(Code.FailedPrecondition);
        expect(refused?.rawMessage).toContain("defined in the config file");
      }
      expect((await client.getAgent({ agentName: "support-bot" }, { headers })).agent?.source).toBe(
        AgentSource.CONFIG,
      );

      await client.createAgent(
        {
          agent: {
            agentName: "support-bot",
            agentCardParams: { name: "Stored support bot" },
            litellmParams: { model: "claude" },
          },
        },
        { headers },
      );
      const got = await client.getAgent({ agentName: "support-bot" }, { headers });
      expect(got.agent).toMatchObject({ source: AgentSource.STORE, litellmParams: { model: "claude" } });
      const listed = await client.listAgents({}, { headers });
      expect(listed.agents.filter((agent) => agent.agentName === "support-bot")).toHaveLength(1);
      expect(running.gateway.agents.get("support-bot")).toMatchObject({ source: "store", model: "claude" });

      // Deleting the stored one brings the YAML one back.
      await client.deleteAgent({ agentName: "support-bot" }, { headers });
      expect(running.gateway.agents.get("support-bot")).toMatchObject({ source: "config", model: "gpt-4o" });
      expect((await client.getAgent({ agentName: "support-bot" }, { headers })).agent?.source).toBe(
        AgentSource.CONFIG,
      );
    });

    it("answers UNAUTHENTICATED without or with a wrong key, PERMISSION_DENIED with no master key", async () => {
      const client = createClient(AgentService, createGrpcTransport({ baseUrl: running.url }));
      expect(await failure(client.listAgents({}))).toMatchObject({ code: Code.Unauthenticated });
      expect(
        await failure(client.listAgents({}, { headers: { authorization: "Bearer sk-wrong" } })),
      ).toMatchObject({ code: Code.Unauthenticated });

      const open = await start(store, null);
      others.push(open);
      const openClient = createClient(
        AgentService,
        createConnectTransport({ baseUrl: open.url, httpVersion: "1.1", useBinaryFormat: false }),
      );
      const denied = await failure(openClient.listAgents({}));
      expect(denied?.code).toBe(Code.PermissionDenied);
      expect(denied?.rawMessage).toContain("Set a master key");
    });

    it("keeps stored agents across a restart", async () => {
      const client = createClient(AgentService, createGrpcTransport({ baseUrl: running.url }));
      const name = uniqueName("kept").replaceAll("_", "-");
      await client.createAgent(
        { agent: { agentName: name, agentCardParams: { name: "Kept", url: "https://planner.example" } } },
        { headers },
      );
      await running.close();
      await store.close();
      store = backend.open();
      running = await start(store);
      expect(running.gateway.agents.get(name)).toEqual({
        name,
        cardParams: { name: "Kept", url: "https://planner.example" },
        source: "store",
      });
      const restarted = createClient(AgentService, createGrpcTransport({ baseUrl: running.url }));
      expect((await restarted.getAgent({ agentName: name }, { headers })).agent?.source).toBe(
        AgentSource.STORE,
      );
    });

    // Only Postgres has replicas: PGlite's data directory belongs to one process.
    if (backend.name === "Postgres") {
      it("a second gateway on the same database serves an agent created through the first", async () => {
        const secondStore = backend.open();
        otherStores.push(secondStore);
        const second = await start(secondStore);
        others.push(second);
        const name = uniqueName("shared").replaceAll("_", "-");
        const heard = new Promise<void>((resolve) => {
          const stop = second.gateway.agents.onChanged((changed) => {
            if (changed === name) {
              stop();
              resolve();
            }
          });
        });
        const client = createClient(AgentService, createGrpcTransport({ baseUrl: running.url }));
        await client.createAgent(
          {
            agent: {
              agentName: name,
              agentCardParams: { name: "Shared" },
              litellmParams: { model: "gpt-4o" },
            },
          },
          { headers },
        );
        await heard;
        expect(second.gateway.agents.get(name)).toMatchObject({ source: "store", model: "gpt-4o" });
      });
    }
  });
});

describe("AgentService without a database", () => {
  it("answers UNAVAILABLE, while the YAML agents are served", async () => {
    const running = await startGateway(yaml());
    try {
      expect(running.gateway.agents.get("support-bot")).toMatchObject({ source: "config", model: "gpt-4o" });
      expect(running.gateway.agents.list().map((agent) => agent.name)).toEqual(["support-bot"]);
      const client = createClient(AgentService, createGrpcTransport({ baseUrl: running.url }));
      const refused = await failure(client.listAgents({}, { headers }));
      expect(refused?.code).toBe(Code.Unavailable);
      expect(refused?.rawMessage).toContain("needs a database");
    } finally {
      await running.close();
    }
  });
});
