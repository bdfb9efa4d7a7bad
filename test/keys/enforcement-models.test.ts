import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Role as A2ARole, type Message, type SendMessageRequest, TaskState } from "@a2a-js/sdk";
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
import { createLogger } from "../../src/observability/logger.js";
import { createStore } from "../../src/store/create-store.js";
import { migrate } from "../../src/store/migrate.js";
import type { Store } from "../../src/store/store.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { type EnforcedGateway, generateKey, startEnforcedGateway } from "./enforcement-gateway.js";

let upstream: FakeOpenAI;
let dataDir: string;
let store: Store;
let gateway: EnforcedGateway;
/** May use `allowed`, `failing` and the agent `helper`. */
let limitedKey: string;
/** `models: ["*"]`: everything, as LiteLLM reads it. */
let everythingKey: string;

function yaml(): string {
  const entry = (name: string, model: string) =>
    `  - model_name: ${name}\n    litellm_params: { model: openai/${model}, api_base: ${upstream.url}, api_key: sk-up }`;
  return [
    `general_settings: { master_key: ${MASTER_KEY} }`,
    "model_list:",
    entry("allowed", "gpt-4o-mini"),
    entry("forbidden", "gpt-4o"),
    entry("failing", "error-500"),
    entry("agent-model", "agent-upstream"),
    "router_settings:",
    "  num_retries: 0",
    "  fallbacks: [{failing: [forbidden, allowed]}]",
    "agents:",
    "  - agent_name: helper",
    "    agent_card_params: { name: Helper, description: Answers through its own model }",
    "    litellm_params: { model: agent-model }",
    "  - agent_name: secret",
    "    agent_card_params: { name: Secret, description: Not for the limited key }",
    "    litellm_params: { model: allowed }",
    "",
  ].join("\n");
}

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  dataDir = await mkdtemp(join(tmpdir(), "switchyard-enforcement-"));
  store = createStore({ dataDir, logger: createLogger("silent") });
  await migrate(store);
  gateway = await startEnforcedGateway(yaml(), { store });
  await gateway.gateway.agentsReady;
  limitedKey = await generateKey(gateway.url, {
    key_alias: "team-a",
    models: ["allowed", "failing", "a2a/helper"],
  });
  everythingKey = await generateKey(gateway.url, { models: ["*"] });
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await store?.close();
  await upstream?.close();
  await rm(dataDir, { recursive: true, force: true });
}, 60_000);

const openai = (key: string) => new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
const ask = (model: string) => ({ model, messages: [{ role: "user" as const, content: "hi" }] });

/** What a call failed with; fails the test when it succeeded. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("the call succeeded");
}

describe("a key limited to some models, over the OpenAI REST API", () => {
  it("calls its models and is refused others in LiteLLM's words: 401 key_model_access_denied", async () => {
    const completion = await openai(limitedKey).chat.completions.create(ask("allowed"));
    expect(completion.choices[0]?.message.content).toBe("echo: hi");

    const error = await failure(openai(limitedKey).chat.completions.create(ask("forbidden")));
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    const denied = error as InstanceType<typeof OpenAI.AuthenticationError>;
    expect(denied.status).toBe(401);
    expect(denied.type).toBe("key_model_access_denied");
    expect(denied.code).toBe("401");
    expect(denied.param).toBe("model");
    expect(denied.error).toMatchObject({
      message:
        "key not allowed to access model. This key can only access models=['allowed', 'failing', 'a2a/helper']. " +
        "Tried to access forbidden",
    });
    expect(upstream.requests.some((request) => (request.body as { model?: string }).model === "gpt-4o")).toBe(
      false,
    );
  });

  it("generates images and moderates with its models, and is refused others: 401 key_model_access_denied", async () => {
    const images = await openai(limitedKey).images.generate({ model: "allowed", prompt: "a fox" });
    expect(images.data?.[0]?.url).toContain("gpt-4o-mini");
    // One call at a time: a refusal must not arrive before anything awaits it.
    for (const call of [
      () => openai(limitedKey).images.generate({ model: "forbidden", prompt: "a fox" }),
      () => openai(limitedKey).moderations.create({ model: "forbidden", input: "hi" }),
    ]) {
      const error = await failure(call());
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((error as InstanceType<typeof OpenAI.AuthenticationError>).type).toBe("key_model_access_denied");
    }
  });

  it("refuses streams, embeddings and text completions of other models too", async () => {
    const stream = failure(openai(limitedKey).chat.completions.create({ ...ask("forbidden"), stream: true }));
    expect(await stream).toBeInstanceOf(OpenAI.AuthenticationError);
    const text = failure(openai(limitedKey).completions.create({ model: "forbidden", prompt: "hi" }));
    expect(await text).toBeInstanceOf(OpenAI.AuthenticationError);
    const embeddings = failure(openai(limitedKey).embeddings.create({ model: "forbidden", input: "hi" }));
    expect(await embeddings).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it("lists only its models, and does not find the others", async () => {
    const listed = [];
    for await (const model of openai(limitedKey).models.list()) listed.push(model.id);
    expect(listed).toEqual(["allowed", "failing"]);
    expect(await failure(openai(limitedKey).models.retrieve("forbidden"))).toBeInstanceOf(
      OpenAI.NotFoundError,
    );
    expect((await openai(limitedKey).models.retrieve("allowed")).id).toBe("allowed");
  });

  it("sees every model with models: ['*'], as the master key does", async () => {
    for (const key of [everythingKey, MASTER_KEY]) {
      const listed = [];
      for await (const model of openai(key).models.list()) listed.push(model.id);
      expect(listed).toEqual(["allowed", "forbidden", "failing", "agent-model"]);
    }
    const completion = await openai(everythingKey).chat.completions.create(ask("forbidden"));
    expect(completion.choices[0]?.message.content).toBe("echo: hi");
  });

  it("never falls back to a group the key may not use", async () => {
    const before = upstream.requests.length;
    const limited = await openai(limitedKey).chat.completions.create(ask("failing")).withResponse();
    expect(limited.response.headers.get("x-litellm-model-group")).toBe("allowed");
    const models = upstream.requests
      .slice(before)
      .map((request) => (request.body as { model: string }).model);
    expect(models).toEqual(["error-500", "gpt-4o-mini"]);

    // The master key takes the configured order: `forbidden` first.
    const master = await openai(MASTER_KEY).chat.completions.create(ask("failing")).withResponse();
    expect(master.response.headers.get("x-litellm-model-group")).toBe("forbidden");
  });
});

describe("a key limited to some models, over the Anthropic Messages API", () => {
  it("is refused another model with 401, as LiteLLM answers", async () => {
    const client = new Anthropic({ apiKey: limitedKey, baseURL: gateway.url, maxRetries: 0 });
    const message = await client.messages.create({
      model: "allowed",
      max_tokens: 50,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(message.content).toEqual([{ type: "text", text: "echo: hi", citations: null }]);

    const error = await failure(
      client.messages.create({
        model: "forbidden",
        max_tokens: 50,
        messages: [{ role: "user", content: "hi" }],
      }),
    );
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    const denied = error as InstanceType<typeof Anthropic.AuthenticationError>;
    expect(denied.status).toBe(401);
    expect(denied.error).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    expect(denied.message).toContain("Tried to access forbidden");
  });
});

describe("a key limited to some models, over Connect", () => {
  const client = () =>
    createClient(
      CompletionService,
      createConnectTransport({ baseUrl: gateway.url, httpVersion: "2", useBinaryFormat: true }),
    );
  const headers = () => ({ authorization: `Bearer ${limitedKey}` });
  const message = { role: Role.USER, content: [{ part: { case: "text" as const, value: "hi" } }] };

  it("is refused another model with PERMISSION_DENIED, unary and streaming", async () => {
    const answer = await client().createChatCompletion(
      { model: "allowed", messages: [message] },
      { headers: headers() },
    );
    expect(answer.route?.modelGroup).toBe("allowed");

    const unary = await failure(
      client().createChatCompletion({ model: "forbidden", messages: [message] }, { headers: headers() }),
    );
    expect(ConnectError.from(unary).code).toBe(Code.PermissionDenied);
    expect(ConnectError.from(unary).rawMessage).toContain("Tried to access forbidden");

    const stream = await failure(
      (async () => {
        for await (const _ of client().streamChatCompletion(
          { model: "forbidden", messages: [message] },
          { headers: headers() },
        ));
      })(),
    );
    expect(ConnectError.from(stream).code).toBe(Code.PermissionDenied);
  });

  it("lists and gets only its models", async () => {
    const listed = await client().listModels({}, { headers: headers() });
    expect(listed.models.map((model) => model.id)).toEqual(["allowed", "failing"]);
    const missing = await failure(client().getModel({ id: "forbidden" }, { headers: headers() }));
    expect(ConnectError.from(missing).code).toBe(Code.NotFound);
    const found = await client().getModel({ id: "failing" }, { headers: headers() });
    expect(found.model?.id).toBe("failing");
  });
});

describe("a key limited to some models, over A2A", () => {
  function agentClient(agent: string, key: string) {
    const keyed: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set("authorization", `Bearer ${key}`);
      return fetch(input, { ...init, headers });
    };
    const factory = new ClientFactory(
      ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
        transports: [new JsonRpcTransportFactory({ fetchImpl: keyed })],
        cardResolver: new DefaultAgentCardResolver({ fetchImpl: fetch }),
      }),
    );
    return factory.createFromUrl(`${gateway.url}/a2a/${agent}/`);
  }

  function send(text: string): SendMessageRequest {
    const message: Message = {
      messageId: randomUUID(),
      contextId: "",
      taskId: "",
      role: A2ARole.ROLE_USER,
      parts: [{ content: { $case: "text", value: text }, mediaType: "", filename: "", metadata: {} }],
      metadata: {},
      extensions: [],
      referenceTaskIds: [],
    };
    return { tenant: "", message, configuration: undefined, metadata: {} };
  }

  it("uses an agent granted as a2a/<agent>, whose own model the key need not list", async () => {
    const client = await agentClient("helper", limitedKey);
    const task = await client.sendMessage(send("hello helper"));
    if (!("artifacts" in task)) throw new Error("expected a task");
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const text = task.artifacts
      .flatMap((artifact) => artifact.parts)
      .map((part) => (part.content?.$case === "text" ? part.content.value : ""))
      .join("");
    expect(text).toBe("echo: hello helper");
    expect((upstream.requests.at(-1)!.body as { model: string }).model).toBe("agent-upstream");
  });

  it("is refused an agent it was not granted, before any task exists", async () => {
    const client = await agentClient("secret", limitedKey);
    const error = await failure(client.sendMessage(send("let me in")));
    expect(String((error as Error).message)).toContain("not allowed to use agent `secret`");

    const raw = await fetch(`${gateway.url}/a2a/secret`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${limitedKey}`,
        "content-type": "application/json",
        "a2a-version": "1.0",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "SendMessage", params: {} }),
    });
    expect(raw.status).toBe(403);
  });

  it("holds agents as chat models (a2a/<agent>) to the same grant", async () => {
    const completion = await openai(limitedKey).chat.completions.create(ask("a2a/helper"));
    expect(completion.choices[0]?.message.content).toBe("echo: hi");
    const error = await failure(openai(limitedKey).chat.completions.create(ask("a2a/secret")));
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((error as Error).message).toContain("`secret`");
  });
});
