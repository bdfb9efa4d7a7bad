import { randomUUID } from "node:crypto";
import { Role as A2ARole, type SendMessageRequest } from "@a2a-js/sdk";
import {
  ClientFactory,
  ClientFactoryOptions,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
} from "@a2a-js/sdk/client";
import Anthropic from "@anthropic-ai/sdk";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role } from "../../gen/switchyard/v1/chat_pb.js";
import { CompletionService } from "../../gen/switchyard/v1/completion_pb.js";
import { migrate } from "../../src/store/migrate.js";
import type { Store } from "../../src/store/store.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import {
  call,
  type EnforcedGateway,
  eventually,
  generateKey,
  startEnforcedGateway,
  storedSpend,
} from "./enforcement-gateway.js";
import { postgresBackend } from "./key-gateway.js";

const backend = postgresBackend();

/** fetch with the key as the Bearer token, for the A2A client. */
function keyedFetch(key: string): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("authorization", `Bearer ${key}`);
    return fetch(input, { ...init, headers });
  };
}

function agentMessage(text: string): SendMessageRequest {
  return {
    tenant: "",
    message: {
      messageId: randomUUID(),
      contextId: "",
      taskId: "",
      role: A2ARole.ROLE_USER,
      parts: [{ content: { $case: "text", value: text }, mediaType: "", filename: "", metadata: {} }],
      metadata: {},
      extensions: [],
      referenceTaskIds: [],
    },
    configuration: undefined,
    metadata: {},
  };
}
/** "hi" costs 1 prompt token at $0.001 and "echo: hi" 2 completion tokens at $0.002: $0.005 a call. */
const CALL_COST = 0.005;

describe.skipIf(backend.skipReason !== undefined)("a key's budget, on two replicas sharing Postgres", () => {
  let upstream: FakeOpenAI;
  const stores: Store[] = [];
  let first: EnforcedGateway;
  let second: EnforcedGateway;
  /** The gateways' clock: tests move it past a budget period. */
  let clock = Date.now();

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    await backend.setUp();
    const yaml = [
      `general_settings: { master_key: ${MASTER_KEY} }`,
      "model_list:",
      "  - model_name: priced",
      `    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstream.url}, api_key: sk-up }`,
      "    model_info: { input_cost_per_token: 0.001, output_cost_per_token: 0.002 }",
      "agents:",
      "  - agent_name: priced-agent",
      "    agent_card_params: { name: Priced, description: Answers through the priced model }",
      "    litellm_params: { model: priced }",
      "",
    ].join("\n");
    const replicas: EnforcedGateway[] = [];
    for (let index = 0; index < 2; index++) {
      const store = backend.open();
      stores.push(store);
      if (index === 0) await migrate(store);
      const replica = await startEnforcedGateway(yaml, { store, now: () => clock });
      await replica.gateway.agentsReady;
      replicas.push(replica);
    }
    [first, second] = replicas as [EnforcedGateway, EnforcedGateway];
  }, 60_000);
  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
    await Promise.all(stores.map((store) => store.close()));
    await upstream?.close();
    await backend.tearDown();
  });

  const openai = (gateway: EnforcedGateway, key: string) =>
    new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  const ask = { model: "priced", messages: [{ role: "user" as const, content: "hi" }] };

  /** The error a chat completion failed with; fails the test when it succeeded. */
  async function refusal(gateway: EnforcedGateway, key: string) {
    try {
      await openai(gateway, key).chat.completions.create(ask);
    } catch (error) {
      if (error instanceof OpenAI.APIError) return error;
      throw error;
    }
    throw new Error("the call succeeded");
  }

  it("answers the call that crosses the budget and refuses the next, on every surface", async () => {
    const key = await generateKey(first.url, { key_alias: "budget-team", max_budget: 0.012 });
    for (let index = 0; index < 3; index++) {
      const answered = await openai(first, key).chat.completions.create(ask).withResponse();
      expect(Number(answered.response.headers.get("x-litellm-response-cost"))).toBeCloseTo(CALL_COST, 9);
    }
    // Refused at once, from this replica's spend not yet written.
    const error = await refusal(first, key);
    expect(error.status).toBe(400);
    expect(error.type).toBe("budget_exceeded");
    expect(error.error).toMatchObject({
      message: expect.stringMatching(
        /^Budget has been exceeded! Current cost: 0\.015\d*, Max budget: 0\.012 \(key alias "budget-team"\)$/,
      ),
      code: "400",
    });

    const anthropic = new Anthropic({ apiKey: key, baseURL: first.url, maxRetries: 0 });
    const anthropicError = await anthropic.messages
      .create({ model: "priced", max_tokens: 20, messages: [{ role: "user", content: "hi" }] })
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    expect(anthropicError).toBeInstanceOf(Anthropic.BadRequestError);
    expect((anthropicError as Error).message).toContain("Budget has been exceeded");

    const connect = createClient(
      CompletionService,
      createConnectTransport({ baseUrl: first.url, httpVersion: "1.1" }),
    );
    const connectError = await connect
      .createChatCompletion(
        {
          model: "priced",
          messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "hi" } }] }],
        },
        { headers: { authorization: `Bearer ${key}` } },
      )
      .then(
        () => undefined,
        (reason: unknown) => ConnectError.from(reason),
      );
    expect(connectError?.code).toBe(Code.ResourceExhausted);
    expect(connectError?.rawMessage).toContain("Budget has been exceeded");

    const agent = await new ClientFactory(
      ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
        transports: [new JsonRpcTransportFactory({ fetchImpl: keyedFetch(key) })],
        cardResolver: new DefaultAgentCardResolver({ fetchImpl: fetch }),
      }),
    ).createFromUrl(`${first.url}/a2a/priced-agent/`);
    const agentError = await agent.sendMessage(agentMessage("hi")).then(
      () => undefined,
      (reason: unknown) => reason as Error,
    );
    expect(agentError?.message).toContain("Budget has been exceeded");

    // The spend is written in a batch, and the other replica's cache hears of it.
    await eventually(async () => Math.abs((await storedSpend(second.url, key)) - 3 * CALL_COST) < 1e-9);
    await eventually(async () => (await refusal(second, key).catch(() => undefined))?.status === 400);
    // The master key is never held to anything.
    const master = await openai(second, MASTER_KEY).chat.completions.create(ask);
    expect(master.choices[0]?.message.content).toBe("echo: hi");
  });

  it("charges calls made on either replica to one stored spend", async () => {
    const key = await generateKey(first.url, { max_budget: 1 });
    await openai(first, key).chat.completions.create(ask);
    await openai(second, key).chat.completions.create(ask);
    await openai(second, key)
      .chat.completions.create({ ...ask, stream: true, stream_options: { include_usage: true } })
      .then(async (stream) => {
        for await (const _ of stream);
      });
    await eventually(async () => Math.abs((await storedSpend(first.url, key)) - 3 * CALL_COST) < 1e-9);
  });

  it("starts a new budget period once budget_duration has passed", async () => {
    const key = await generateKey(first.url, { max_budget: 0.006, budget_duration: "1h" });
    await openai(first, key).chat.completions.create(ask);
    await openai(first, key).chat.completions.create(ask);
    expect((await refusal(first, key)).type).toBe("budget_exceeded");
    await eventually(async () => Math.abs((await storedSpend(first.url, key)) - 2 * CALL_COST) < 1e-9);

    clock += 2 * 3_600_000;
    // A period that has ended counts as nothing spent, before any reset is written (once this
    // replica has re-read its last write: until then that spend still counts, conservatively).
    await eventually(async () => {
      const answered = await openai(first, key)
        .chat.completions.create(ask)
        .catch(() => undefined);
      return answered !== undefined;
    });
    // Writing the new spend starts the new period first, so the old spend does not swallow it.
    await eventually(async () => Math.abs((await storedSpend(first.url, key)) - CALL_COST) < 1e-9);
    const info = await call(`${first.url}/key/info?key=${key}`, "GET");
    expect(Date.parse(info.body.info.budget_reset_at)).toBeGreaterThan(clock);
    await openai(first, key).chat.completions.create(ask);
    expect((await refusal(first, key)).type).toBe("budget_exceeded");
  });
});
