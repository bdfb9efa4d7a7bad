import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { eventually } from "../keys/key-gateway.js";
import { call, pgliteBackend, type StoreGateway, startModelGateway } from "./model-gateway.js";

/** `background_health_checks`: each run checks what is served then, models stored since start included. */
describe("background health checks of stored models", { timeout: 60_000 }, () => {
  const backend = pgliteBackend();
  let sick: FakeOpenAI;
  let store: Store;
  let gateway: StoreGateway;

  beforeAll(async () => {
    sick = await startFakeOpenAI();
    sick.down = true;
    await backend.setUp();
    store = backend.open();
    gateway = await startModelGateway(
      `
model_list: []
general_settings: { master_key: ${MASTER_KEY}, background_health_checks: true, health_check_interval: 0.05 }
`,
      { store },
    );
  }, 60_000);
  afterAll(async () => {
    await gateway?.close();
    await store?.close();
    await sick?.close();
    await backend.tearDown();
  });

  it("checks a model added after start, and GET /health reports it", async () => {
    await call(`${gateway.url}/model/new`, "POST", {
      model_name: "late-model",
      litellm_params: { model: "openai/gpt-4o-mini", api_base: sick.url, api_key: "sk-late-model-key" },
      model_info: { id: "late-one" },
    });
    await eventually(async () => {
      const health = await call(`${gateway.url}/health`, "GET");
      return health.body.unhealthy_endpoints?.some(
        (endpoint: { model_id: string }) => endpoint.model_id === "late-one",
      );
    });
    sick.down = false;
    await eventually(async () => {
      const health = await call(`${gateway.url}/health`, "GET");
      return health.body.healthy_endpoints?.some(
        (endpoint: { model_id: string }) => endpoint.model_id === "late-one",
      );
    });
    expect((await call(`${gateway.url}/health`, "GET")).text).not.toContain("sk-late-model-key");
  });
});
