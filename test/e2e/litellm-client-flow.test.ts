import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { eventually } from "../keys/key-gateway.js";
import {
  call,
  openai,
  pgliteBackend,
  type StoreGateway,
  startModelGateway,
} from "../models/model-gateway.js";

const PROVIDER_KEY = "sk-team-provider-key-0042";

/**
 * A LiteLLM user's provisioning script, step by step as such scripts are
 * written against LiteLLM's proxy (master key, plain HTTP for the
 * management routes, the openai client for calls), run against Switchyard
 * on its embedded store: add a model, hand a team a key limited to it, call,
 * change the key, rotate it, block it, check health and spend, and clean up.
 */
describe("a LiteLLM client's provisioning script", { timeout: 60_000 }, () => {
  const backend = pgliteBackend();
  let upstream: FakeOpenAI;
  let store: Store;
  let proxy: StoreGateway;
  const admin = (path: string, method: string, body?: unknown) => call(`${proxy.url}${path}`, method, body);

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    await backend.setUp();
    store = backend.open();
    proxy = await startModelGateway(
      `
model_list:
  - model_name: gpt-test
    litellm_params: { model: openai/gpt-4o, api_base: ${upstream.url}, api_key: sk-config-provider-key }
general_settings: { master_key: ${MASTER_KEY}, proxy_batch_write_at: 0.05 }
`,
      { store },
    );
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await store?.close();
    await upstream?.close();
    await backend.tearDown();
  });

  it("runs end to end with LiteLLM's routes and answers", async () => {
    // 1. The admin adds the team's model; LiteLLM answers the stored row.
    const added = await admin("/model/new", "POST", {
      model_name: "team-gpt",
      litellm_params: { model: "openai/gpt-4o-mini", api_base: upstream.url, api_key: PROVIDER_KEY },
      model_info: { mode: "chat", input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 },
    });
    expect(added.status).toBe(200);
    const modelId = added.body.model_id as string;
    expect(modelId).toMatch(/^[0-9a-f-]{36}$/);
    const info = await admin("/model/info", "GET");
    expect(info.body.data).toContainEqual(
      expect.objectContaining({
        model_name: "team-gpt",
        model_info: expect.objectContaining({ id: modelId, db_model: true, mode: "chat" }),
      }),
    );

    // 2. A key for the team: its model, a budget, a rate limit.
    const generated = await admin("/key/generate", "POST", {
      models: ["team-gpt"],
      max_budget: 1,
      rpm_limit: 10,
      key_alias: "team-script",
      metadata: { team: "search" },
    });
    expect(generated.status).toBe(200);
    const key = generated.body.key as string;
    expect(generated.body).toMatchObject({ key_alias: "team-script", models: ["team-gpt"], max_budget: 1 });
    const keyInfo = await admin(`/key/info?key=${key}`, "GET");
    expect(keyInfo.body.info).toMatchObject({ models: ["team-gpt"], max_budget: 1, rpm_limit: 10, spend: 0 });

    // 3. The team calls its model with the openai client; another model is refused as LiteLLM refuses it.
    const team = openai(proxy.url, key);
    const answer = await team.chat.completions.create({
      model: "team-gpt",
      messages: [{ role: "user", content: "hello team" }],
    });
    expect(answer.choices[0]?.message.content).toBe("echo: hello team");
    expect(upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
    const refused = await team.chat.completions
      .create({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((refused as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
      type: "key_model_access_denied",
    });

    // 4. The admin widens the key; the other model answers now.
    const updated = await admin("/key/update", "POST", {
      key,
      models: ["team-gpt", "gpt-test"],
      max_budget: 2,
    });
    expect(updated.status).toBe(200);
    const widened = await team.chat.completions.create({
      model: "gpt-test",
      messages: [{ role: "user", content: "now allowed" }],
    });
    expect(widened.choices[0]?.message.content).toBe("echo: now allowed");

    // 5. Health of every deployment, the stored one included.
    const health = await admin("/health", "GET");
    expect(health.status).toBe(200);
    expect(health.body.unhealthy_count).toBe(0);
    expect(health.body.healthy_endpoints).toContainEqual(
      expect.objectContaining({ model_id: modelId, model_name: "team-gpt" }),
    );
    expect(health.text).not.toContain(PROVIDER_KEY);

    // 6. The key's calls in the spend log (written in batches), the refused one too, priced by model_info.
    let logs = await admin(`/spend/logs?api_key=${key}`, "GET");
    await eventually(async () => {
      logs = await admin(`/spend/logs?api_key=${key}`, "GET");
      return Array.isArray(logs.body) && logs.body.length === 3;
    });
    const rows = logs.body as { model: string; model_group: string; status: string; spend: number }[];
    const byModel = (model: string) => rows.filter((row) => row.model_group === model);
    expect(byModel("team-gpt")).toEqual([
      expect.objectContaining({ status: "success", model_id: modelId, spend: 0.000008 }),
    ]);
    expect(byModel("gpt-test")).toEqual([expect.objectContaining({ status: "success" })]);
    expect(rows.filter((row) => row.status === "failure")).toEqual([
      expect.objectContaining({ model: "gpt-test" }),
    ]);

    // 7. Rotate the key: the old value stops working, the new one keeps the settings.
    const regenerated = await admin("/key/regenerate", "POST", { key });
    expect(regenerated.status).toBe(200);
    const rotated = regenerated.body.key as string;
    expect(rotated).not.toBe(key);
    expect((await call(`${proxy.url}/v1/models`, "GET", undefined, key)).status).toBe(401);
    const rotatedInfo = await admin(`/key/info?key=${rotated}`, "GET");
    expect(rotatedInfo.body.info).toMatchObject({
      key_alias: "team-script",
      models: ["team-gpt", "gpt-test"],
    });

    // 8. Block it: every call is refused until unblocked.
    expect((await admin("/key/block", "POST", { key: rotated })).status).toBe(200);
    const blocked = await openai(proxy.url, rotated)
      .chat.completions.create({ model: "team-gpt", messages: [{ role: "user", content: "hi" }] })
      .catch((error: unknown) => error);
    expect(blocked).toBeInstanceOf(OpenAI.AuthenticationError);

    // 9. Remove the model: calls to it fail as an unknown model; the config model stays.
    const deleted = await admin("/model/delete", "POST", { id: modelId });
    expect(deleted.body).toEqual({ message: `Model: ${modelId} deleted successfully` });
    const gone = await openai(proxy.url, MASTER_KEY)
      .chat.completions.create({ model: "team-gpt", messages: [{ role: "user", content: "hi" }] })
      .catch((error: unknown) => error);
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
    const remaining = await admin("/model/info", "GET");
    expect(remaining.body.data.map((entry: { model_name: string }) => entry.model_name)).toEqual([
      "gpt-test",
    ]);

    // 10. Delete the key.
    expect((await admin("/key/delete", "POST", { keys: [rotated] })).status).toBe(200);
    expect((await admin(`/key/info?key=${rotated}`, "GET")).status).toBe(404);
  });
});
