import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StoreGateway, startStoreGateway } from "../credentials-e2e/store-gateway.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";

const KEY = "sk-a2a-validation";
let upstream: FakeOpenAI;
let gateway: StoreGateway;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  gateway = await startStoreGateway(`
general_settings: { master_key: ${KEY} }
model_list:
  - model_name: chat
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstream.url}, api_key: sk-up }
agents:
  - agent_name: echo
    agent_card_params: { name: Echo, description: Echoes }
    litellm_params: { model: chat }
`);
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

async function rpc(body: unknown, version?: string) {
  const response = await fetch(`${gateway.url}/a2a/echo`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${KEY}`,
      "content-type": "application/json",
      ...(version && { "a2a-version": version }),
    },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as {
    id: unknown;
    result?: unknown;
    error?: { code: number; message: string };
  };
}

const v1Message = { messageId: "m1", role: "ROLE_USER", parts: [{ text: "hi" }] };
const v03Message = { kind: "message", messageId: "m1", role: "user", parts: [{ kind: "text", text: "hi" }] };
const validToken = Buffer.from("2026-01-01T00:00:00.000Z|some-task").toString("base64");

/** One rule each: the request breaking it, and the words the error names it by. */
const invalidParams: { rule: string; version?: string; method: string; params: unknown; names: string }[] = [
  {
    rule: "v1.0 message without parts",
    version: "1.0",
    method: "SendMessage",
    params: { message: { ...v1Message, parts: [] } },
    names: "message.parts",
  },
  {
    rule: "v1.0 message without role",
    version: "1.0",
    method: "SendMessage",
    params: { message: { messageId: "m1", parts: [{ text: "hi" }] } },
    names: "message.role",
  },
  {
    rule: "v1.0 message with an unspecified role",
    version: "1.0",
    method: "SendStreamingMessage",
    params: { message: { ...v1Message, role: "ROLE_UNSPECIFIED" } },
    names: "message.role",
  },
  {
    rule: "v1.0 message without messageId",
    version: "1.0",
    method: "SendMessage",
    params: { message: { role: "ROLE_USER", parts: [{ text: "hi" }] } },
    names: "message.messageId",
  },
  {
    rule: "v1.0 part with no content",
    version: "1.0",
    method: "SendMessage",
    params: { message: { ...v1Message, parts: [{ mediaType: "text/plain" }] } },
    names: "message.parts[0]",
  },
  {
    rule: "v1.0 part with two contents",
    version: "1.0",
    method: "SendMessage",
    params: { message: { ...v1Message, parts: [{ text: "a", url: "http://x" }] } },
    names: "message.parts[0]",
  },
  {
    rule: "negative configuration.historyLength",
    version: "1.0",
    method: "SendMessage",
    params: { message: v1Message, configuration: { historyLength: -1 } },
    names: "configuration.historyLength",
  },
  {
    rule: "negative historyLength on GetTask",
    version: "1.0",
    method: "GetTask",
    params: { id: "t", historyLength: -2 },
    names: "historyLength",
  },
  { rule: "GetTask without id", version: "1.0", method: "GetTask", params: {}, names: "id" },
  {
    rule: "CancelTask with an empty id",
    version: "1.0",
    method: "CancelTask",
    params: { id: "" },
    names: "id",
  },
  {
    rule: "ListTasks with a page token we never gave out",
    version: "1.0",
    method: "ListTasks",
    params: { pageToken: "not a token!" },
    names: "pageToken",
  },
  {
    rule: "ListTasks with a bad timestamp",
    version: "1.0",
    method: "ListTasks",
    params: { statusTimestampAfter: "yesterday" },
    names: "statusTimestampAfter",
  },
  {
    rule: "ListTasks with an unknown state",
    version: "1.0",
    method: "ListTasks",
    params: { status: "TASK_STATE_SLEEPING" },
    names: "status",
  },
  {
    rule: "ListTasks with a page size of 0",
    version: "1.0",
    method: "ListTasks",
    params: { pageSize: 0 },
    names: "pageSize",
  },
  {
    rule: "ListTasks with a negative historyLength",
    version: "1.0",
    method: "ListTasks",
    params: { historyLength: -1 },
    names: "historyLength",
  },
  {
    rule: "v0.3 message without parts",
    method: "message/send",
    params: { message: { ...v03Message, parts: [] } },
    names: "message.parts",
  },
  {
    rule: "v0.3 message without role",
    method: "message/send",
    params: { message: { ...v03Message, role: undefined } },
    names: "message.role",
  },
  {
    rule: "v0.3 part of an unknown kind",
    method: "message/stream",
    params: { message: { ...v03Message, parts: [{ kind: "video" }] } },
    names: "message.parts[0].kind",
  },
  {
    rule: "v0.3 negative historyLength",
    method: "tasks/get",
    params: { id: "t", historyLength: -1 },
    names: "historyLength",
  },
  { rule: "v0.3 tasks/cancel without id", method: "tasks/cancel", params: {}, names: "id" },
];

describe("A2A requests are checked against the schema of their version", () => {
  it.each(invalidParams)("$rule → -32602", async ({ version, method, params, names }) => {
    const answer = await rpc({ jsonrpc: "2.0", id: 11, method, params }, version);
    expect(answer.id).toBe(11);
    expect(answer.error?.code).toBe(-32602);
    expect(answer.error?.message).toContain(names);
  });

  it.each([
    {
      rule: "an id that is an object",
      body: { jsonrpc: "2.0", id: { n: 1 }, method: "GetTask", params: { id: "t" } },
    },
    {
      rule: "an id that is a fraction",
      body: { jsonrpc: "2.0", id: 1.5, method: "GetTask", params: { id: "t" } },
    },
    { rule: "no jsonrpc member", body: { id: 1, method: "GetTask", params: { id: "t" } } },
    { rule: "an empty method", body: { jsonrpc: "2.0", id: 1, method: "", params: {} } },
    { rule: "a batch", body: [{ jsonrpc: "2.0", id: 1, method: "GetTask", params: { id: "t" } }] },
  ])("$rule → -32600", async ({ body }) => {
    const answer = await rpc(body, "1.0");
    expect(answer.error?.code).toBe(-32600);
  });

  it("accepts what the schema allows: a valid page token, a timestamp, a state filter", async () => {
    const listed = await rpc(
      {
        jsonrpc: "2.0",
        id: 12,
        method: "ListTasks",
        params: {
          pageToken: validToken,
          statusTimestampAfter: "2026-01-01T00:00:00Z",
          status: "TASK_STATE_COMPLETED",
          pageSize: 5,
        },
      },
      "1.0",
    );
    expect(listed.error).toBeUndefined();
    expect(listed.result).toMatchObject({ tasks: [] });
    const sent = await rpc({
      jsonrpc: "2.0",
      id: 13,
      method: "message/send",
      params: { message: v03Message },
    });
    expect(sent.result).toMatchObject({ kind: "task", status: { state: "completed" } });
  });
});
