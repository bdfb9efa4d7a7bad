import { randomUUID } from "node:crypto";
import { type StreamResponse, TaskState } from "@a2a-js/sdk";
import type { Client } from "@a2a-js/sdk/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSseEvents } from "../../src/http/sse.js";
import type { Store } from "../../src/store/store.js";
import { postgresBackend, type StoreGateway, startStoreGateway } from "../credentials-e2e/store-gateway.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { echoAndWaitingAgents } from "../helpers/a2a-agents-config.js";
import { a2aClient, bearerFetch, userMessage } from "../helpers/a2a-client.js";

const KEY = "sk-a2a-lifecycle";
const backend = postgresBackend();

/**
 * Cancel and subscribe on tasks that are really in flight: the `waiting`
 * agent's model never answers (the fake upstream's `hang`), so a task stays
 * WORKING until it is canceled. Two replicas share one Postgres: a task
 * started on one is canceled through the other.
 */
describe.skipIf(backend.skipReason !== undefined)("A2A task lifecycle across two replicas", () => {
  let upstream: FakeOpenAI;
  const stores: Store[] = [];
  const replicas: StoreGateway[] = [];

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    await backend.setUp();
    const yaml = echoAndWaitingAgents(KEY, upstream.url);
    for (let index = 0; index < 2; index++) {
      const store = backend.open();
      stores.push(store);
      const replica = await startStoreGateway(yaml, { store });
      await replica.gateway.agentsReady;
      replicas.push(replica);
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    await Promise.all(stores.map((store) => store.close()));
    await upstream?.close();
    await backend.tearDown();
  });

  const authedFetch = bearerFetch(KEY);

  function clientFor(replica: StoreGateway, agent: string): Promise<Client> {
    return a2aClient(replica.url, agent, KEY);
  }

  /** A JSON-RPC answer; results are checked with toMatchObject. */
  interface Envelope {
    id: unknown;
    result?: Record<string, unknown>;
    error?: { code: number; message: string };
  }

  async function rpc(replica: StoreGateway, agent: string, body: unknown, version?: string) {
    const response = await authedFetch(`${replica.url}/a2a/${agent}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(version && { "a2a-version": version }) },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Envelope };
  }

  /** A raw JSON-RPC stream: its events, read as they come. */
  async function rawStream(replica: StoreGateway, agent: string, body: unknown, version?: string) {
    const response = await authedFetch(`${replica.url}/a2a/${agent}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(version && { "a2a-version": version }) },
      body: JSON.stringify(body),
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const events = readSseEvents(response.body as AsyncIterable<Uint8Array>);
    return (async function* () {
      for await (const event of events) yield JSON.parse(event.data) as Envelope;
    })();
  }

  /** Every event of a stream until it ends, the first one already read. */
  async function rest<T>(stream: AsyncIterator<T>): Promise<T[]> {
    const events: T[] = [];
    for (let next = await stream.next(); !next.done; next = await stream.next()) events.push(next.value);
    return events;
  }

  function finalState(events: StreamResponse[]): TaskState | undefined {
    const last = events.at(-1)?.payload;
    return last?.$case === "statusUpdate" ? last.value.status?.state : undefined;
  }

  it("v1.0: a working task canceled through the other replica ends every stream and subscription, on both replicas, with CANCELED", async () => {
    const [first, second] = replicas as [StoreGateway, StoreGateway];
    const client = await clientFor(first, "waiting");
    const stream = client.sendMessageStream({
      tenant: "",
      message: userMessage("take your time"),
      configuration: undefined,
      metadata: {},
    });
    const opening = await stream.next();
    if (opening.done || opening.value.payload?.$case !== "task") throw new Error("expected the task first");
    const taskId = opening.value.payload.value.id;
    const aborted = upstream.nextAbort();
    // A subscription on the replica that runs the task, opened while it works.
    const subscription = client.resubscribeTask({ tenant: "", id: taskId });
    const subscribed = await subscription.next();
    expect(subscribed.value?.payload?.$case).toBe("task");
    // And one on the other replica, which follows the task through the shared store.
    const elsewhere = (await clientFor(second, "waiting")).resubscribeTask({ tenant: "", id: taskId });
    expect((await elsewhere.next()).value?.payload?.$case).toBe("task");

    const canceled = await (await clientFor(second, "waiting")).cancelTask({
      tenant: "",
      id: taskId,
      metadata: {},
    });
    expect(canceled.id).toBe(taskId);
    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);

    expect(finalState(await rest(stream))).toBe(TaskState.TASK_STATE_CANCELED);
    expect(finalState(await rest(subscription))).toBe(TaskState.TASK_STATE_CANCELED);
    expect(finalState(await rest(elsewhere))).toBe(TaskState.TASK_STATE_CANCELED);
    expect((await aborted).aborted).toBe(true);
    for (const replica of replicas) {
      const stored = await (await clientFor(replica, "waiting")).getTask({
        tenant: "",
        id: taskId,
        historyLength: undefined,
      });
      expect(stored.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    }
  });

  it("v1.0: a task sent to run in the background is canceled on the same replica", async () => {
    const [first] = replicas as [StoreGateway];
    const client = await clientFor(first, "waiting");
    const aborted = upstream.nextAbort();
    const started = await client.sendMessage({
      tenant: "",
      message: userMessage("in the background"),
      configuration: {
        acceptedOutputModes: [],
        taskPushNotificationConfig: undefined,
        historyLength: undefined,
        returnImmediately: true,
      },
      metadata: {},
    });
    if (!("status" in started)) throw new Error("expected a task");
    const canceled = await client.cancelTask({ tenant: "", id: started.id, metadata: {} });
    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    expect((await aborted).aborted).toBe(true);
    // Canceling again answers the canceled task.
    const again = await client.cancelTask({ tenant: "", id: started.id, metadata: {} });
    expect(again.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
  });

  it("v0.3: message/stream canceled with tasks/cancel through the other replica ends with a final canceled event", async () => {
    const [first, second] = replicas as [StoreGateway, StoreGateway];
    const aborted = upstream.nextAbort();
    const stream = await rawStream(first, "waiting", {
      jsonrpc: "2.0",
      id: 1,
      method: "message/stream",
      params: {
        message: {
          kind: "message",
          messageId: randomUUID(),
          role: "user",
          parts: [{ kind: "text", text: "slow" }],
        },
      },
    });
    const opening = await stream.next();
    expect(opening.value?.result?.kind).toBe("task");
    const taskId = String(opening.value?.result?.id);

    const canceled = await rpc(second, "waiting", {
      jsonrpc: "2.0",
      id: 2,
      method: "tasks/cancel",
      params: { id: taskId },
    });
    expect(canceled.json.result).toMatchObject({ id: taskId, status: { state: "canceled" } });
    const last = (await rest(stream)).at(-1);
    expect(last?.result).toMatchObject({ kind: "status-update", final: true, status: { state: "canceled" } });
    expect((await aborted).aborted).toBe(true);
  });

  it("answers not cancelable for a finished task, in both versions, naming its state", async () => {
    const [first, second] = replicas as [StoreGateway, StoreGateway];
    const done = await (await clientFor(first, "echo")).sendMessage({
      tenant: "",
      message: userMessage("quick"),
      configuration: undefined,
      metadata: {},
    });
    if (!("status" in done)) throw new Error("expected a task");
    expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const v1 = await rpc(
      second,
      "echo",
      { jsonrpc: "2.0", id: 3, method: "CancelTask", params: { id: done.id } },
      "1.0",
    );
    expect(v1.json.error?.code).toBe(-32002);
    expect(v1.json.error?.message).toContain("TASK_STATE_COMPLETED");
    const legacy = await rpc(second, "echo", {
      jsonrpc: "2.0",
      id: 4,
      method: "tasks/cancel",
      params: { id: done.id },
    });
    expect(legacy.json.error?.code).toBe(-32002);
    const missing = await rpc(
      second,
      "echo",
      { jsonrpc: "2.0", id: 5, method: "CancelTask", params: { id: "nope" } },
      "1.0",
    );
    expect(missing.json.error?.code).toBe(-32001);
  });

  it("subscribing to an unknown or finished task is a JSON-RPC error, never an HTTP 500", async () => {
    const [first] = replicas as [StoreGateway];
    const done = await (await clientFor(first, "echo")).sendMessage({
      tenant: "",
      message: userMessage("finished"),
      configuration: undefined,
      metadata: {},
    });
    if (!("status" in done)) throw new Error("expected a task");
    const cases = [
      { version: "1.0", method: "SubscribeToTask" },
      { version: undefined, method: "tasks/resubscribe" },
    ];
    for (const { version, method } of cases) {
      const unknown = await rpc(
        first,
        "echo",
        { jsonrpc: "2.0", id: 6, method, params: { id: "nope" } },
        version,
      );
      expect(unknown.status).toBe(200);
      expect(unknown.json).toMatchObject({ id: 6, error: { code: -32001 } });
      const finished = await rpc(
        first,
        "echo",
        { jsonrpc: "2.0", id: 7, method, params: { id: done.id } },
        version,
      );
      expect(finished.status).toBe(200);
      expect(finished.json).toMatchObject({ id: 7, error: { code: -32004 } });
      expect(finished.json.error?.message).toContain("TASK_STATE_COMPLETED");
    }
  });

  it("answers a non-streamed message with one text part, and names the state of a finished task it cannot continue", async () => {
    const [first, second] = replicas as [StoreGateway, StoreGateway];
    const client = await clientFor(first, "echo");
    const done = await client.sendMessage({
      tenant: "",
      message: userMessage("one two three four five"),
      configuration: undefined,
      metadata: {},
    });
    if (!("artifacts" in done)) throw new Error("expected a task");
    const texts = (task: typeof done) =>
      task.artifacts.flatMap((artifact) =>
        artifact.parts.map((part) => (part.content?.$case === "text" ? part.content.value : "")),
      );
    expect(texts(done)).toEqual(["echo: one two three four five"]);
    const fetched = await (await clientFor(second, "echo")).getTask({
      tenant: "",
      id: done.id,
      historyLength: undefined,
    });
    expect(texts(fetched)).toEqual(["echo: one two three four five"]);
    const legacy = await rpc(second, "echo", {
      jsonrpc: "2.0",
      id: 8,
      method: "tasks/get",
      params: { id: done.id },
    });
    expect(legacy.json.result).toMatchObject({
      artifacts: [{ parts: [{ kind: "text", text: "echo: one two three four five" }] }],
    });

    const continued = await rpc(
      first,
      "echo",
      {
        jsonrpc: "2.0",
        id: 9,
        method: "SendMessage",
        params: {
          message: { messageId: randomUUID(), taskId: done.id, role: "ROLE_USER", parts: [{ text: "more" }] },
        },
      },
      "1.0",
    );
    expect(continued.json.error?.code).toBe(-32004);
    expect(continued.json.error?.message).toContain("TASK_STATE_COMPLETED");
  });
});
