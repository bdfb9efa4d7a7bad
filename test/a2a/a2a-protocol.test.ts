import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentCard, type SendMessageRequest, TaskState } from "@a2a-js/sdk";
import type { Client } from "@a2a-js/sdk/client";
import {
  AgentEvent,
  type AgentExecutor,
  DefaultRequestHandler,
  InMemoryTaskStore,
  JsonRpcTransportHandler,
  ServerCallContext,
} from "@a2a-js/sdk/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/observability/logger.js";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/store.js";
import { type StoreGateway, startStoreGateway } from "../credentials-e2e/store-gateway.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { a2aClient, userMessage } from "../helpers/a2a-client.js";

const KEY = "sk-a2a-master";
let upstream: FakeOpenAI;
let remote: { url: string; close(): Promise<void> };
let dataDir: string;
let store: Store;
let gateway: StoreGateway;

function yaml(): string {
  return `
general_settings:
  master_key: ${KEY}
model_list:
  - model_name: chat
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstream.url}, api_key: sk-up }
  - model_name: slow-chat
    litellm_params: { model: openai/slow-stream-40, api_base: ${upstream.url}, api_key: sk-up }
agents:
  - agent_name: echo
    agent_card_params: { name: Echo, description: Echoes through the router, version: 2.0.0 }
    litellm_params: { model: chat, system_prompt: Be brief. }
  - agent_name: slow
    agent_card_params: { name: Slow, description: Streams slowly }
    litellm_params: { model: slow-chat }
  - agent_name: far
    agent_card_params: { name: Far, description: Elsewhere, url: ${remote.url} }
  - agent_name: gone
    agent_card_params: { name: Gone, description: Unreachable, url: http://127.0.0.1:9 }
`;
}

function clientFor(agent: string): Promise<Client> {
  return a2aClient(gateway.url, agent, KEY);
}

function send(text: string, contextId = ""): SendMessageRequest {
  return { tenant: "", message: userMessage(text, contextId), configuration: undefined, metadata: {} };
}

function artifactText(task: { artifacts: { parts: { content?: { $case: string; value: unknown } }[] }[] }) {
  return task.artifacts
    .flatMap((artifact) => artifact.parts)
    .map((part) => (part.content?.$case === "text" ? String(part.content.value) : ""))
    .join("");
}

async function rpc(agent: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${gateway.url}/a2a/${agent}`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    text,
    json: JSON.parse(text.startsWith("data:") ? text.split("\n")[0]!.slice(5) : text),
  };
}

/** A small A2A agent built with the SDK: answers "remote: <text>" as a completed task. */
async function startRemoteAgent(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  const executor: AgentExecutor = {
    async execute(context, bus) {
      const text = context.userMessage.parts
        .map((part) => (part.content?.$case === "text" ? part.content.value : ""))
        .join("");
      const now = () => new Date().toISOString();
      bus.publish(
        AgentEvent.task({
          id: context.taskId,
          contextId: context.contextId,
          status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: now() },
          history: [context.userMessage],
          artifacts: [],
          metadata: {},
        }),
      );
      bus.publish(
        AgentEvent.artifactUpdate({
          taskId: context.taskId,
          contextId: context.contextId,
          artifact: {
            artifactId: "a1",
            name: "answer",
            description: "",
            parts: [
              {
                content: { $case: "text", value: `remote: ${text}` },
                mediaType: "text/plain",
                filename: "",
                metadata: {},
              },
            ],
            metadata: {},
            extensions: [],
          },
          append: false,
          lastChunk: true,
          metadata: {},
        }),
      );
      bus.publish(
        AgentEvent.statusUpdate({
          taskId: context.taskId,
          contextId: context.contextId,
          status: { state: TaskState.TASK_STATE_COMPLETED, message: undefined, timestamp: now() },
          metadata: {},
        }),
      );
      bus.finished();
    },
    async cancelTask() {},
  };
  const card = AgentCard.fromJSON({
    name: "Remote",
    description: "remote",
    version: "1",
    defaultInputModes: ["text/plain"],
    defaultOutputModes: ["text/plain"],
    skills: [],
    capabilities: { streaming: true },
    supportedInterfaces: [{ url, protocolBinding: "JSONRPC", protocolVersion: "1.0" }],
  });
  const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor);
  const transport = new JsonRpcTransportHandler(handler);
  server.on("request", async (request, response) => {
    if (request.method === "GET") {
      response
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify(AgentCard.toJSON(card)));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const result = await transport.handle(
      Buffer.concat(chunks).toString(),
      new ServerCallContext({ requestedVersion: "1.0" }),
    );
    if (Symbol.asyncIterator in result) {
      response.writeHead(200, { "content-type": "text/event-stream" });
      for await (const event of result) response.write(`data: ${JSON.stringify(event)}\n\n`);
      response.end();
    } else response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(result));
  });
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function openStore(): Store {
  return createStore({ dataDir, logger: createLogger("silent") });
}

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  remote = await startRemoteAgent();
  dataDir = await mkdtemp(join(tmpdir(), "switchyard-a2a-"));
  store = openStore();
  gateway = await startStoreGateway(yaml(), { store });
  await gateway.gateway.agentsReady;
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await store?.close();
  await remote?.close();
  await upstream?.close();
  await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe("A2A agents served by the gateway", () => {
  it("serves a public card pointing back at the gateway with the Bearer scheme", async () => {
    const response = await fetch(`${gateway.url}/a2a/echo/.well-known/agent-card.json`, {
      headers: { "a2a-version": "1.0", "x-forwarded-proto": "https", "x-forwarded-host": "gw.example" },
    });
    expect(response.status).toBe(200);
    const card = (await response.json()) as Record<string, unknown>;
    expect(card.name).toBe("Echo");
    expect(card.supportedInterfaces).toContainEqual({
      url: "https://gw.example/a2a/echo",
      protocolBinding: "JSONRPC",
      protocolVersion: "1.0",
    });
    expect(card.securitySchemes).toEqual({ bearer: { httpAuthSecurityScheme: { scheme: "Bearer" } } });
    const legacy = (await (await fetch(`${gateway.url}/a2a/far/.well-known/agent.json`)).json()) as Record<
      string,
      unknown
    >;
    expect(legacy.url).toBe(`${gateway.url}/a2a/far`);
    expect(legacy.protocolVersion).toBe("0.3.0");
  });

  it("sends a message through the router and gets the task back later", async () => {
    const client = await clientFor("echo");
    const result = await client.sendMessage(send("hello agent"));
    if (!("id" in result) || !("artifacts" in result)) throw new Error("expected a task");
    expect(result.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(artifactText(result)).toBe("echo: hello agent");
    const request = upstream.requests.at(-1)?.body as { messages: { role: string; content: unknown }[] };
    expect(request.messages[0]).toMatchObject({ role: "system", content: "Be brief." });
    const fetched = await client.getTask({ tenant: "", id: result.id, historyLength: undefined });
    expect(artifactText(fetched)).toBe("echo: hello agent");

    // The second turn in the same context sees the first as conversation.
    await client.sendMessage(send("again", result.contextId));
    const second = upstream.requests.at(-1)?.body as { messages: { role: string; content: unknown }[] };
    expect(second.messages.map((message) => message.role)).toEqual(["system", "user", "assistant", "user"]);
    const listed = await client.listTasks({
      tenant: "",
      contextId: result.contextId,
      status: 0,
      pageSize: 10,
      pageToken: "",
      historyLength: undefined,
      statusTimestampAfter: undefined,
      includeArtifacts: true,
    });
    expect(listed.tasks).toHaveLength(2);
  });

  it("streams tokens as artifact appends, then completes", async () => {
    const client = await clientFor("echo");
    const cases: string[] = [];
    let text = "";
    let appends = 0;
    for await (const event of client.sendMessageStream(send("one two three four"))) {
      const payload = event.payload;
      if (!payload) continue;
      cases.push(payload.$case);
      if (payload.$case === "artifactUpdate") {
        if (payload.value.append) appends++;
        text +=
          payload.value.artifact?.parts
            .map((part) => (part.content?.$case === "text" ? part.content.value : ""))
            .join("") ?? "";
      }
      if (payload.$case === "statusUpdate") cases.push(String(payload.value.status?.state));
    }
    expect(cases[0]).toBe("task");
    expect(cases.at(-1)).toBe(String(TaskState.TASK_STATE_COMPLETED));
    expect(text).toBe("echo: one two three four");
    expect(appends).toBeGreaterThan(0);
  });

  it("cancels a running task, which closes the upstream call", async () => {
    const client = await clientFor("slow");
    const stream = client.sendMessageStream(send("a long answer with many many words in it"));
    let taskId = "";
    for await (const event of stream) {
      if (event.payload?.$case === "artifactUpdate") {
        taskId = event.payload.value.taskId;
        break;
      }
    }
    const canceled = await client.cancelTask({ tenant: "", id: taskId, metadata: {} });
    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    const aborted = await upstream.nextAbort();
    expect(aborted.aborted).toBe(true);
    const again = await rpc(
      "slow",
      { jsonrpc: "2.0", id: 1, method: "CancelTask", params: { id: taskId } },
      { "a2a-version": "1.0" },
    );
    expect(again.json.result.status.state).toBe("TASK_STATE_CANCELED");
  });

  it("answers the v0.3 method names", async () => {
    const message = {
      kind: "message",
      messageId: randomUUID(),
      role: "user",
      parts: [{ kind: "text", text: "old client" }],
    };
    const sent = await rpc("echo", { jsonrpc: "2.0", id: 7, method: "message/send", params: { message } });
    expect(sent.json.result.kind).toBe("task");
    expect(sent.json.result.status.state).toBe("completed");
    const got = await rpc("echo", {
      jsonrpc: "2.0",
      id: 8,
      method: "tasks/get",
      params: { id: sent.json.result.id },
    });
    // Streamed tokens were appended as parts of the one artifact.
    const parts = got.json.result.artifacts[0].parts as { text: string }[];
    expect(parts.map((part) => part.text).join("")).toBe("echo: old client");
    const streamed = await rpc("echo", {
      jsonrpc: "2.0",
      id: 9,
      method: "message/stream",
      params: { message: { ...message, messageId: randomUUID() } },
    });
    expect(streamed.text).toContain('"final":true');
  });

  it("maps bad input to JSON-RPC error codes", async () => {
    const v1 = { "a2a-version": "1.0" };
    expect((await rpc("echo", "{not json", v1)).json.error.code).toBe(-32700);
    expect(
      (await rpc("echo", { jsonrpc: "1.0", id: 1, method: "GetTask", params: { id: "x" } }, v1)).json.error
        .code,
    ).toBe(-32600);
    expect(
      (await rpc("echo", { jsonrpc: "2.0", id: 1, method: "NoSuchMethod", params: {} }, v1)).json.error.code,
    ).toBe(-32601);
    expect((await rpc("echo", { jsonrpc: "2.0", id: 1, method: "SendMessage" }, v1)).json.error.code).toBe(
      -32602,
    );
    expect(
      (await rpc("echo", { jsonrpc: "2.0", id: 1, method: "GetTask", params: { id: "missing" } }, v1)).json
        .error.code,
    ).toBe(-32001);
    expect(
      (
        await rpc(
          "echo",
          { jsonrpc: "2.0", id: 1, method: "GetTask", params: { id: "x" } },
          { "a2a-version": "9.9" },
        )
      ).json.error.code,
    ).toBe(-32009);
    const push = await rpc(
      "echo",
      {
        jsonrpc: "2.0",
        id: 1,
        method: "CreateTaskPushNotificationConfig",
        params: { taskId: "x", url: "http://example" },
      },
      v1,
    );
    expect(push.json.error.code).toBe(-32003);
    const unknown = await rpc(
      "nobody",
      { jsonrpc: "2.0", id: 1, method: "GetTask", params: { id: "x" } },
      v1,
    );
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBeLessThan(0);
  });

  it("needs the gateway key for JSON-RPC", async () => {
    const response = await fetch(`${gateway.url}/a2a/echo`, {
      method: "POST",
      headers: { "a2a-version": "1.0" },
      body: "{}",
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
  });

  it("fronts a remote agent: send and stream through us, failure as a JSON-RPC error", async () => {
    const client = await clientFor("far");
    const result = await client.sendMessage(send("over there"));
    if (!("artifacts" in result)) throw new Error("expected a task");
    expect(artifactText(result)).toBe("remote: over there");
    const fetched = await client.getTask({ tenant: "", id: result.id, historyLength: undefined });
    expect(fetched.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    let streamed = "";
    for await (const event of client.sendMessageStream(send("streamed"))) {
      if (event.payload?.$case === "artifactUpdate")
        streamed += artifactText({ artifacts: [event.payload.value.artifact!] });
    }
    expect(streamed).toBe("remote: streamed");
    const gone = await rpc(
      "gone",
      {
        jsonrpc: "2.0",
        id: 3,
        method: "SendMessage",
        params: { message: { messageId: "m", role: "ROLE_USER", parts: [{ text: "hi" }] } },
      },
      { "a2a-version": "1.0" },
    );
    expect(gone.json.error.code).toBe(-32603);
    expect(gone.json.error.message).toContain("unreachable");
  });

  it("keeps completed tasks across a restart", async () => {
    const client = await clientFor("echo");
    const result = await client.sendMessage(send("remember me"));
    if (!("id" in result)) throw new Error("expected a task");
    await gateway.close();
    await store.close();
    store = openStore();
    gateway = await startStoreGateway(yaml(), { store });
    const after = await (await clientFor("echo")).getTask({
      tenant: "",
      id: result.id,
      historyLength: undefined,
    });
    expect(artifactText(after)).toBe("echo: remember me");
  });
});
