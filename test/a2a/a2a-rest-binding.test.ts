import { TaskState } from "@a2a-js/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StoreGateway, startStoreGateway } from "../credentials-e2e/store-gateway.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { echoAndWaitingAgents } from "../helpers/a2a-agents-config.js";
import { a2aClient, bearerFetch, sendParams } from "../helpers/a2a-client.js";

const KEY = "sk-a2a-rest";
let upstream: FakeOpenAI;
let gateway: StoreGateway;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  gateway = await startStoreGateway(echoAndWaitingAgents(KEY, upstream.url));
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

describe("A2A HTTP+JSON binding, driven by the SDK's REST transport", () => {
  it("is advertised in the card and sends, streams, gets and lists tasks", async () => {
    const client = await a2aClient(gateway.url, "echo", KEY, "HTTP+JSON");
    const sent = await client.sendMessage(sendParams("over rest"));
    if (!("artifacts" in sent)) throw new Error("expected a task");
    expect(sent.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(sent.artifacts[0]?.parts.map((part) => part.content?.value)).toEqual(["echo: over rest"]);
    const fetched = await client.getTask({ tenant: "", id: sent.id, historyLength: undefined });
    expect(fetched.id).toBe(sent.id);
    const listed = await client.listTasks({
      tenant: "",
      contextId: sent.contextId,
      status: 0,
      pageSize: 10,
      pageToken: "",
      historyLength: undefined,
      statusTimestampAfter: undefined,
      includeArtifacts: false,
    });
    expect(listed.tasks.map((task) => task.id)).toEqual([sent.id]);
    const cases: string[] = [];
    for await (const event of client.sendMessageStream(sendParams("streamed over rest"))) {
      if (event.payload) cases.push(event.payload.$case);
    }
    expect(cases[0]).toBe("task");
    expect(cases).toContain("artifactUpdate");
    expect(cases.at(-1)).toBe("statusUpdate");
  });

  it("cancels a working task, and refuses what it must with the binding's errors", async () => {
    const client = await a2aClient(gateway.url, "waiting", KEY, "HTTP+JSON");
    const aborted = upstream.nextAbort();
    const stream = client.sendMessageStream(sendParams("take your time"));
    const opening = await stream.next();
    if (opening.done || opening.value.payload?.$case !== "task") throw new Error("expected the task first");
    const canceled = await client.cancelTask({
      tenant: "",
      id: opening.value.payload.value.id,
      metadata: {},
    });
    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    let last: TaskState | undefined;
    for await (const event of stream) {
      if (event.payload?.$case === "statusUpdate") last = event.payload.value.status?.state;
    }
    expect(last).toBe(TaskState.TASK_STATE_CANCELED);
    expect((await aborted).aborted).toBe(true);

    const rest = bearerFetch(KEY);
    const base = `${gateway.url}/a2a/waiting`;
    const missing = await rest(`${base}/tasks/nope`, { headers: { "a2a-version": "1.0" } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toBe("application/a2a+json");
    expect(((await missing.json()) as { error: { status: string } }).error.status).toBe("NOT_FOUND");
    const finished = await rest(`${base}/tasks/${canceled.id}:subscribe`, {
      headers: { "a2a-version": "1.0" },
    });
    expect(finished.status).toBe(400);
    const empty = await rest(`${base}/message:send`, {
      method: "POST",
      headers: { "a2a-version": "1.0", "content-type": "application/json" },
      body: JSON.stringify({ message: { messageId: "m", role: "ROLE_USER", parts: [] } }),
    });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { message: string } }).error.message).toContain("message.parts");
    const push = await rest(`${base}/tasks/${canceled.id}/pushNotificationConfigs`, {
      method: "POST",
      headers: { "a2a-version": "1.0", "content-type": "application/json" },
      body: JSON.stringify({ url: "https://example.com/hook" }),
    });
    expect(push.status).toBe(400);
    const anonymous = await fetch(`${base}/tasks/nope`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { status: string } }).error.status).toBe("UNAUTHENTICATED");
  });
});
