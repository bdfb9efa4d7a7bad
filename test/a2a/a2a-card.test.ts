import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StoreGateway, startStoreGateway } from "../credentials-e2e/store-gateway.js";

const KEY = "sk-a2a-card";
let gateway: StoreGateway;

/** The AgentCard fields of A2A v1.0 (lf.a2a.v1.AgentCard in proto3 JSON names). */
const V1_CARD_FIELDS = new Set([
  "name",
  "description",
  "supportedInterfaces",
  "provider",
  "version",
  "documentationUrl",
  "capabilities",
  "securitySchemes",
  "securityRequirements",
  "defaultInputModes",
  "defaultOutputModes",
  "skills",
  "signatures",
  "iconUrl",
]);

beforeAll(async () => {
  // The card params carry v0.3 leftovers a user might copy from an old card.
  gateway = await startStoreGateway(`
general_settings: { master_key: ${KEY} }
model_list:
  - model_name: chat
    litellm_params: { model: openai/gpt-4o-mini, api_base: http://127.0.0.1:9, api_key: sk-up }
agents:
  - agent_name: echo
    agent_card_params:
      name: Echo
      description: Echoes
      protocolVersion: 0.2.5
      supportsAuthenticatedExtendedCard: false
      capabilities: { stateTransitionHistory: true }
      skills: [{ id: echo, name: Echo, description: Says it back, tags: [echo] }]
    litellm_params: { model: chat }
`);
}, 60_000);

afterAll(async () => {
  await gateway?.close();
});

function card(query = "", headers: Record<string, string> = {}) {
  return fetch(`${gateway.url}/a2a/echo/.well-known/agent-card.json${query}`, { headers });
}

describe("agent cards", () => {
  it("without a version asked for, serves a v1.0 card with no v0.3 field", async () => {
    const response = await card();
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).filter((field) => !V1_CARD_FIELDS.has(field))).toEqual([]);
    expect(body.capabilities).toEqual({ streaming: true, pushNotifications: false });
    expect(body.supportedInterfaces).toContainEqual({
      url: `${gateway.url}/a2a/echo`,
      protocolBinding: "JSONRPC",
      protocolVersion: "1.0",
    });
  });

  it("negotiates the version by header or query parameter", async () => {
    for (const response of [await card("", { "a2a-version": "0.3" }), await card("?A2A-Version=0.3")]) {
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        protocolVersion: "0.3.0",
        url: `${gateway.url}/a2a/echo`,
        preferredTransport: "JSONRPC",
        securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      });
      expect(body.supportedInterfaces).toBeUndefined();
    }
    const v1 = (await (await card("?a2a-version=1.0")).json()) as Record<string, unknown>;
    expect(v1.url).toBeUndefined();
    const unsupported = await card("", { "a2a-version": "7.0" });
    expect(unsupported.status).toBe(400);
    expect(((await unsupported.json()) as { error: { code: number } }).error.code).toBe(-32009);
  });

  it("is cacheable: an ETag from its content, Cache-Control, and 304 when unchanged", async () => {
    const first = await card();
    const etag = first.headers.get("etag");
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get("cache-control")).toContain("max-age=");
    expect(first.headers.get("vary")).toContain("A2A-Version");
    expect((await card()).headers.get("etag")).toBe(etag);
    const unchanged = await card("", { "if-none-match": etag ?? "" });
    expect(unchanged.status).toBe(304);
    expect(await unchanged.text()).toBe("");
    const legacy = await card("", { "a2a-version": "0.3", "if-none-match": etag ?? "" });
    expect(legacy.status).toBe(200);
    expect(legacy.headers.get("etag")).not.toBe(etag);
  });

  it("has a Last-Modified, and answers 304 to If-Modified-Since not older than it", async () => {
    const first = await card();
    const lastModified = first.headers.get("last-modified") ?? "";
    expect(new Date(lastModified).getTime()).toBeLessThanOrEqual(Date.now());
    expect((await card("", { "if-modified-since": lastModified })).status).toBe(304);
    const earlier = new Date(Date.parse(lastModified) - 1000).toUTCString();
    expect((await card("", { "if-modified-since": earlier })).status).toBe(200);
    expect((await card("", { "if-modified-since": "not a date" })).status).toBe(200);
    // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
    const mismatch = await card("", { "if-none-match": '"other"', "if-modified-since": lastModified });
    expect(mismatch.status).toBe(200);
  });

  it("is the gateway's root card too, when it serves one agent (also at the v0.2 path)", async () => {
    const agent = await card();
    const root = await fetch(`${gateway.url}/.well-known/agent-card.json`);
    expect(root.status).toBe(200);
    expect(await root.json()).toEqual(await agent.json());
    expect(root.headers.get("etag")).toBe(agent.headers.get("etag"));
    expect(root.headers.get("last-modified")).toBeTruthy();
    const legacy = (await (await fetch(`${gateway.url}/.well-known/agent.json`)).json()) as Record<
      string,
      unknown
    >;
    expect(legacy).toMatchObject({ protocolVersion: "0.3.0", url: `${gateway.url}/a2a/echo` });
    const posted = await fetch(`${gateway.url}/.well-known/agent-card.json`, { method: "POST" });
    expect(posted.status).toBe(405);
  });

  it("takes the JSON-RPC version from the query parameter too", async () => {
    const response = await fetch(`${gateway.url}/a2a/echo?A2A-Version=1.0`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "GetTask", params: { id: "missing" } }),
    });
    // A v1.0 method name is understood (a v0.3 request would not know GetTask).
    expect(((await response.json()) as { error: { code: number } }).error.code).toBe(-32001);
  });
});
