import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/store/migrate.js";
import type { Store } from "../../src/store/store.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { type EnforcedGateway, generateKey, startEnforcedGateway } from "../keys/enforcement-gateway.js";
import { postgresBackend } from "../keys/key-gateway.js";

/**
 * A virtual key's rpm_limit counts the upstream calls a text completion
 * fans out into (one per prompt on a chat-only provider), not one request.
 */

const backend = postgresBackend();

describe.skipIf(backend.skipReason !== undefined)("a key's rpm_limit and a fanned-out request", () => {
  let upstream: FakeOpenAI;
  let store: Store;
  let gateway: EnforcedGateway;

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    await backend.setUp();
    store = backend.open();
    await migrate(store);
    gateway = await startEnforcedGateway(
      `general_settings: { master_key: ${MASTER_KEY} }
model_list:
  - model_name: chat-only
    litellm_params: { model: groq/gpt-4o-mini, api_base: ${upstream.url}, api_key: sk-up }
`,
      { store },
    );
  }, 60_000);
  afterAll(async () => {
    await gateway?.close();
    await store?.close();
    await upstream?.close();
    await backend.tearDown();
  });

  it("refuses six prompts under rpm_limit 5 without calling upstream, and takes five", async () => {
    // The limit is per clock minute: do not start in the last seconds of one.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 57_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 50));
    const key = await generateKey(gateway.url, { key_alias: "fan-out", rpm_limit: 5 });
    const openai = new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const before = upstream.requests.length;
    const refused = await openai.completions
      .create({ model: "chat-only", prompt: ["a", "b", "c", "d", "e", "f"] })
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    expect(String((refused as Error).message)).toContain("rpm_limit");
    expect(upstream.requests.length).toBe(before);

    const answer = await openai.completions
      .create({ model: "chat-only", prompt: ["a", "b", "c", "d", "e"] })
      .withResponse();
    expect(answer.data.choices).toHaveLength(5);
    expect(upstream.requests.length - before).toBe(5);
    expect(answer.response.headers.get("x-ratelimit-remaining-requests")).toBe("0");
  }, 70_000);
});
