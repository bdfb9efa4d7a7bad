import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import {
  call,
  eventually,
  type KeyGateway,
  openai,
  postgresBackend,
  startKeyGateway,
  UPSTREAM_KEY,
} from "./key-gateway.js";

const backend = postgresBackend();

/**
 * LiteLLM's management surface as its users script it: model and group info, the active health
 * check, spend logs and the daily report, and a key-provisioning flow end to end.
 */
describe.skipIf(backend.skipReason !== undefined)("LiteLLM's management routes", () => {
  let upstream: FakeOpenAI;
  let store: Store;
  let gateway: KeyGateway;

  beforeAll(async () => {
    upstream = await startFakeOpenAI({ apiKey: UPSTREAM_KEY });
    await backend.setUp();
    store = backend.open();
    gateway = await startKeyGateway(
      `
model_list:
  - model_name: gpt-test
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstream.url}, api_key: ${UPSTREAM_KEY}, rpm: 60 }
    model_info: { id: chat-one, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002, max_input_tokens: 128000, description: the test model }
  - model_name: gpt-test
    litellm_params: { model: openai/gpt-4o, api_base: ${upstream.url}, api_key: ${UPSTREAM_KEY}, rpm: 40 }
    model_info: { id: chat-two }
  - model_name: broken
    litellm_params: { model: openai/error-500, api_base: ${upstream.url}, api_key: ${UPSTREAM_KEY} }
    model_info: { id: broken-one }
  - model_name: embedder
    litellm_params: { model: openai/text-embedding-3-small, api_base: ${upstream.url}, api_key: ${UPSTREAM_KEY} }
    model_info: { id: embed-one, mode: embedding }
general_settings: { master_key: ${MASTER_KEY}, proxy_batch_write_at: 0.05 }
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

  it("GET /model/info lists every deployment with its model_info and no secret", async () => {
    for (const path of ["/model/info", "/v1/model/info", "/v2/model/info"]) {
      const answer = await call(`${gateway.url}${path}`, "GET");
      expect(answer.status).toBe(200);
      expect(answer.text).not.toContain(UPSTREAM_KEY);
      expect(answer.body.data.map((entry: { model_info: { id: string } }) => entry.model_info.id)).toEqual([
        "chat-one",
        "chat-two",
        "broken-one",
        "embed-one",
      ]);
    }
    const one = await call(`${gateway.url}/model/info?litellm_model_id=chat-one`, "GET");
    expect(one.body.data).toEqual([
      {
        model_name: "gpt-test",
        litellm_params: { model: "openai/gpt-4o-mini", api_base: upstream.url, rpm: 60 },
        model_info: expect.objectContaining({
          id: "chat-one",
          db_model: false,
          key: "gpt-4o-mini",
          litellm_provider: "openai",
          mode: "chat",
          description: "the test model",
          max_input_tokens: 128000,
          input_cost_per_token: 0.000001,
          output_cost_per_token: 0.000002,
        }),
      },
    ]);
  });

  it("GET /model/info and /model_group/info show a virtual key only the models it may call", async () => {
    const generated = await call(`${gateway.url}/key/generate`, "POST", { models: ["embedder"] });
    const key = generated.body.key as string;
    const info = await call(`${gateway.url}/model/info`, "GET", undefined, key);
    expect(info.body.data.map((entry: { model_name: string }) => entry.model_name)).toEqual(["embedder"]);
    const groups = await call(`${gateway.url}/model_group/info`, "GET", undefined, key);
    expect(groups.body.data).toEqual([
      expect.objectContaining({ model_group: "embedder", mode: "embedding" }),
    ]);
  });

  it("GET /model_group/info summarises each group over its deployments", async () => {
    const answer = await call(`${gateway.url}/model_group/info?model_group=gpt-test`, "GET");
    expect(answer.body.data).toEqual([
      expect.objectContaining({
        model_group: "gpt-test",
        providers: ["openai"],
        rpm: 100,
        tpm: null,
        max_input_tokens: 128000,
        input_cost_per_token: 0.000001,
        mode: "chat",
      }),
    ]);
  });

  it("GET /health calls every deployment and lists the healthy and the unhealthy", async () => {
    const before = upstream.requests.length;
    const answer = await call(`${gateway.url}/health`, "GET");
    expect(answer.status).toBe(200);
    expect(answer.text).not.toContain(UPSTREAM_KEY);
    expect(answer.body.healthy_count).toBe(3);
    expect(answer.body.unhealthy_count).toBe(1);
    expect(answer.body.healthy_endpoints.map((endpoint: { model: string }) => endpoint.model).sort()).toEqual(
      ["openai/gpt-4o", "openai/gpt-4o-mini", "openai/text-embedding-3-small"],
    );
    expect(answer.body.unhealthy_endpoints).toEqual([
      expect.objectContaining({
        model: "openai/error-500",
        model_id: "broken-one",
        error: expect.any(String),
      }),
    ]);
    // Real calls, one per deployment: the embedding model got an embeddings request.
    const paths = upstream.requests.slice(before).map((request) => request.path);
    expect(paths.filter((path) => path === "/v1/chat/completions")).toHaveLength(3);
    expect(paths.filter((path) => path === "/v1/embeddings")).toHaveLength(1);

    const oneGroup = await call(`${gateway.url}/health?model=broken`, "GET");
    expect(oneGroup.body).toMatchObject({ healthy_count: 0, unhealthy_count: 1 });
    const generated = await call(`${gateway.url}/key/generate`, "POST", {});
    expect((await call(`${gateway.url}/health`, "GET", undefined, generated.body.key)).status).toBe(403);
  });

  it("runs LiteLLM's key-provisioning flow, and reports the key's calls in /spend/logs and the daily report", async () => {
    const generated = await call(`${gateway.url}/key/generate`, "POST", {
      key_alias: "ci-bot",
      models: ["gpt-test", "openai/*"],
      max_budget: 10,
      rpm_limit: 100,
    });
    expect(generated.status).toBe(200);
    const key = generated.body.key as string;
    expect(generated.body.token).toBe(generated.body.token_id);

    const info = await call(`${gateway.url}/key/info?key=${key}`, "GET");
    expect(info.body.info).toMatchObject({ key_alias: "ci-bot", max_budget: 10, rpm_limit: 100 });
    const updated = await call(`${gateway.url}/key/update`, "POST", {
      key,
      rpm_limit: null,
      tpm_limit: 5000,
    });
    expect(updated.status).toBe(200);

    const completion = await openai(gateway.url, key).chat.completions.create({
      model: "gpt-test",
      messages: [{ role: "user", content: "spend something" }],
    });
    const callId = completion.id;
    expect(callId).toBeTruthy();

    // The spend log is written in batches: poll until the row is there.
    let logs: { body: Record<string, unknown>[] } = { body: [] };
    await eventually(async () => {
      logs = await call(`${gateway.url}/spend/logs?api_key=${key}`, "GET");
      return logs.body.length === 1;
    });
    expect(logs.body[0]).toMatchObject({
      api_key: generated.body.token_id,
      model_group: "gpt-test",
      call_type: expect.any(String),
      total_tokens: expect.any(Number),
      spend: expect.any(Number),
      status: "success",
    });
    // The key reads its own calls, not others'.
    const own = await call(`${gateway.url}/spend/logs`, "GET", undefined, key);
    expect(own.status).toBe(200);
    expect(own.body).toHaveLength(1);
    expect((await call(`${gateway.url}/global/spend/report`, "GET", undefined, key)).status).toBe(403);

    const today = new Date().toISOString().slice(0, 10);
    const report = await call(
      `${gateway.url}/global/spend/report?start_date=${today}&end_date=${today}&group_by=api_key`,
      "GET",
    );
    expect(report.status).toBe(200);
    expect(report.body).toEqual([
      {
        group_by_day: today,
        api_keys: expect.arrayContaining([
          expect.objectContaining({ api_key: generated.body.token_id, requests: 1 }),
        ]),
      },
    ]);
    expect((await call(`${gateway.url}/global/spend/report?group_by=team`, "GET")).status).toBe(400);
    expect((await call(`${gateway.url}/spend/logs?start_date=yesterday`, "GET")).status).toBe(400);

    const regenerated = await call(`${gateway.url}/key/regenerate`, "POST", { key });
    const newKey = regenerated.body.key as string;
    expect((await call(`${gateway.url}/key/block`, "POST", { key: newKey })).status).toBe(200);
    expect((await call(`${gateway.url}/v1/chat/completions`, "POST", {}, newKey)).status).toBe(401);
    expect((await call(`${gateway.url}/key/delete`, "POST", { keys: [newKey] })).status).toBe(200);
    expect((await call(`${gateway.url}/key/info?key=${newKey}`, "GET")).status).toBe(404);
  });
});
