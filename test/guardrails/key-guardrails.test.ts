import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { call, type KeyGateway, keysYaml, pgliteBackend, startKeyGateway } from "../keys/key-gateway.js";

const backend = pgliteBackend();
let upstream: FakeOpenAI;
let gateway: KeyGateway;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  await backend.setUp();
  const yaml = `${keysYaml(upstream)}
guardrails:
  - guardrail_name: no-cards
    litellm_params:
      guardrail: litellm_content_filter
      mode: pre_call
      patterns: [{ pattern_type: prebuilt, pattern_name: credit_card, action: BLOCK }]
`;
  gateway = await startKeyGateway(yaml, { store: backend.open() });
});

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
  await backend.tearDown();
});

describe("a virtual key's guardrails", () => {
  it("run on every call the key makes, as LiteLLM's /key/generate `guardrails` field asks", async () => {
    const generated = await call(`${gateway.url}/key/generate`, "POST", { guardrails: ["no-cards"] });
    expect(generated.status).toBe(200);
    expect(generated.body.metadata).toMatchObject({ guardrails: ["no-cards"] });
    const plain = await call(`${gateway.url}/key/generate`, "POST", {});
    const message = {
      model: "gpt-test",
      messages: [{ role: "user" as const, content: "card 4111 1111 1111 1111" }],
    };

    const guarded = new OpenAI({ apiKey: generated.body.key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const refused = await guarded.chat.completions.create(message).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as Error).message).toContain("credit_card pattern detected (guardrail: no-cards)");

    // Another key, and the master key, are not held to that key's guardrails.
    for (const key of [plain.body.key as string, MASTER_KEY]) {
      const client = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
      await expect(client.chat.completions.create(message)).resolves.toBeDefined();
    }
  });
});
