import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { call, openai, postgresBackend, type StoreGateway, startModelGateway } from "./model-gateway.js";

const backend = postgresBackend();

describe.skipIf(backend.skipReason !== undefined)(
  "fallbacks to a stored model's group",
  { timeout: 60_000 },
  () => {
    let failing: FakeOpenAI;
    let healthy: FakeOpenAI;
    let store: Store;
    let gateway: StoreGateway;

    beforeAll(async () => {
      failing = await startFakeOpenAI();
      failing.down = true;
      healthy = await startFakeOpenAI();
      await backend.setUp();
      store = backend.open();
      // "stored-group" is in no model_list entry: a warning at start, served once /model/new adds it.
      gateway = await startModelGateway(
        `
model_list:
  - model_name: config-group
    litellm_params: { model: openai/gpt-4o, api_base: ${failing.url}, api_key: sk-failing-upstream-000 }
router_settings:
  num_retries: 0
  fallbacks: [{config-group: [stored-group]}]
general_settings: { master_key: ${MASTER_KEY} }
`,
        { store },
      );
    }, 60_000);
    afterAll(async () => {
      await gateway?.close();
      await store?.close();
      await failing?.close();
      await healthy?.close();
      await backend.tearDown();
    });

    it("answers from the group /model/new added, where the config's group fails", async () => {
      const client = openai(gateway.url, MASTER_KEY);
      const ask = () =>
        client.chat.completions
          .create({ model: "config-group", messages: [{ role: "user", content: "hi" }] })
          .withResponse();
      // Before the stored group exists, the fallback has nothing to call: the config group's failure is the answer.
      const before = await ask().catch((error: { status?: number }) => error);
      expect((before as { status?: number }).status).toBeGreaterThanOrEqual(500);

      const created = await call(`${gateway.url}/model/new`, "POST", {
        model_name: "stored-group",
        litellm_params: {
          model: "openai/gpt-4o-mini",
          api_base: healthy.url,
          api_key: "sk-healthy-upstream-000",
        },
      });
      expect(created.status).toBe(200);

      const { data, response } = await ask();
      expect(data.choices[0]?.message.content).toBeTruthy();
      expect(response.headers.get("x-litellm-model-group")).toBe("stored-group");
      expect(healthy.requests.some((request) => request.path.endsWith("/chat/completions"))).toBe(true);
    });
  },
);
