import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StoreGateway, startStoreGateway } from "../credentials-e2e/store-gateway.js";

const KEY = "sk-a2a-root-card";
let gateway: StoreGateway;

beforeAll(async () => {
  gateway = await startStoreGateway(`
general_settings: { master_key: ${KEY} }
model_list:
  - model_name: chat
    litellm_params: { model: openai/gpt-4o-mini, api_base: http://127.0.0.1:9, api_key: sk-up }
agents:
  - agent_name: writer
    agent_card_params: { name: Writer, description: Writes }
    litellm_params: { model: chat }
  - agent_name: critic
    agent_card_params: { name: Critic, description: Criticises }
    litellm_params: { model: chat }
`);
}, 60_000);

afterAll(async () => {
  await gateway?.close();
});

interface Card {
  name: string;
  skills: { id: string; name: string; description: string }[];
  supportedInterfaces?: { url: string; protocolBinding: string; protocolVersion: string }[];
  securitySchemes?: unknown;
  url?: string;
  additionalInterfaces?: { url: string }[];
}

describe("the gateway's root card with several agents", () => {
  it("lists every agent as a skill with its card, and their endpoints as interfaces", async () => {
    const response = await fetch(`${gateway.url}/.well-known/agent-card.json`);
    expect(response.status).toBe(200);
    const card = (await response.json()) as Card;
    expect(card.skills.map((skill) => [skill.id, skill.name])).toEqual([
      ["critic", "Critic"],
      ["writer", "Writer"],
    ]);
    expect(card.skills[1]?.description).toContain(`${gateway.url}/a2a/writer/.well-known/agent-card.json`);
    expect(card.supportedInterfaces?.map((entry) => entry.url)).toEqual([
      `${gateway.url}/a2a/critic`,
      `${gateway.url}/a2a/writer`,
    ]);
    expect(card.securitySchemes).toBeDefined();
    // Each listed card is really there.
    const writer = await fetch(`${gateway.url}/a2a/writer/.well-known/agent-card.json`);
    expect(((await writer.json()) as Card).name).toBe("Writer");
  });

  it("is cacheable like the agents' cards and negotiates the version", async () => {
    const first = await fetch(`${gateway.url}/.well-known/agent-card.json`);
    const etag = first.headers.get("etag") ?? "";
    const lastModified = first.headers.get("last-modified") ?? "";
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get("cache-control")).toContain("max-age=");
    const byEtag = await fetch(`${gateway.url}/.well-known/agent-card.json`, {
      headers: { "if-none-match": etag },
    });
    expect(byEtag.status).toBe(304);
    const byDate = await fetch(`${gateway.url}/.well-known/agent-card.json`, {
      headers: { "if-modified-since": lastModified },
    });
    expect(byDate.status).toBe(304);
    const legacy = (await (await fetch(`${gateway.url}/.well-known/agent.json`)).json()) as Card;
    expect(legacy.url).toBe(`${gateway.url}/a2a/critic`);
    expect(legacy.additionalInterfaces?.map((entry) => entry.url)).toContain(`${gateway.url}/a2a/writer`);
    const unsupported = await fetch(`${gateway.url}/.well-known/agent-card.json?A2A-Version=9.0`);
    expect(unsupported.status).toBe(400);
  });
});
