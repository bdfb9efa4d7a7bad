import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import {
  call,
  chatText,
  openai,
  pgliteBackend,
  postgresBackend,
  type StoreBackend,
  type StoreGateway,
  startModelGateway,
} from "./model-gateway.js";

const STORED_KEY = "sk-stored-model-upstream-key-0001";
const ROTATED_KEY = "sk-stored-model-upstream-key-0002";

for (const backend of [postgresBackend(), pgliteBackend()] as StoreBackend[]) {
  describe.skipIf(backend.skipReason !== undefined)(
    `LiteLLM's model management routes on ${backend.name}`,
    { timeout: 60_000 },
    () => {
      let upstream: FakeOpenAI;
      let store: Store;
      let gateway: StoreGateway;
      let userKey: string;
      let adminKey: string;

      beforeAll(async () => {
        upstream = await startFakeOpenAI();
        await backend.setUp();
        store = backend.open();
        gateway = await startModelGateway(
          `
model_list:
  - model_name: config-model
    litellm_params: { model: openai/gpt-4o, api_base: ${upstream.url}, api_key: sk-config-model-key-000 }
    model_info: { id: config-one }
general_settings: { master_key: ${MASTER_KEY} }
`,
          { store },
        );
        userKey = (await call(`${gateway.url}/key/generate`, "POST", {})).body.key;
        adminKey = (await call(`${gateway.url}/key/generate`, "POST", { metadata: { role: "proxy_admin" } }))
          .body.key;
      }, 60_000);
      afterAll(async () => {
        await gateway?.close();
        await store?.close();
        await upstream?.close();
        await backend.tearDown();
      });

      function lastUpstreamKey(): string | undefined {
        const header = upstream.requests.at(-1)?.headers.authorization;
        return typeof header === "string" ? header.replace(/^Bearer /, "") : undefined;
      }

      async function chatError(model: string, key = MASTER_KEY) {
        try {
          await chatText(gateway.url, key, model);
        } catch (error) {
          if (error instanceof OpenAI.APIError) return error;
          throw error;
        }
        throw new Error("the call succeeded");
      }

      it("POST /model/new serves the model at once to the openai client, and /model/delete stops it", async () => {
        const created = await call(`${gateway.url}/model/new`, "POST", {
          model_name: "runtime-model",
          litellm_params: {
            model: "openai/gpt-4o-mini",
            api_base: upstream.url,
            api_key: STORED_KEY,
            rpm: 30,
          },
          model_info: { id: "runtime-one", mode: "chat", input_cost_per_token: 0.000002 },
        });
        expect(created.status).toBe(200);
        expect(created.body).toEqual({
          model_id: "runtime-one",
          model_name: "runtime-model",
          litellm_params: {
            model: "openai/gpt-4o-mini",
            api_base: upstream.url,
            api_key: "sk****01",
            rpm: 30,
          },
          model_info: { id: "runtime-one", db_model: true, mode: "chat", input_cost_per_token: 0.000002 },
          created_at: expect.any(String),
          created_by: "default_user_id",
          updated_at: expect.any(String),
          updated_by: "default_user_id",
        });
        expect(created.text).not.toContain(STORED_KEY);

        expect(await chatText(gateway.url, MASTER_KEY, "runtime-model")).toBe("echo: hi");
        expect(lastUpstreamKey()).toBe(STORED_KEY);
        expect(upstream.requests.at(-1)?.body).toMatchObject({ model: "gpt-4o-mini" });

        const listed = await openai(gateway.url, MASTER_KEY).models.list();
        expect(listed.data.map((model) => model.id)).toEqual(["config-model", "runtime-model"]);

        const deleted = await call(`${gateway.url}/model/delete`, "POST", { id: "runtime-one" });
        expect(deleted).toMatchObject({
          status: 200,
          body: { message: "Model: runtime-one deleted successfully" },
        });
        const error = await chatError("runtime-model");
        expect(error).toBeInstanceOf(OpenAI.NotFoundError);
        expect(error.code).toBe("model_not_found");
        // Metrics name the stored group, as a configured one, even for the call that found it gone.
        const metrics = await call(`${gateway.url}/metrics`, "GET");
        expect(metrics.text).toMatch(
          /switchyard_request_failures_total\{model_group="runtime-model"[^}]*status_code="404"/,
        );
      });

      it("/model/info, /v2/model/info and /model_group/info show stored models beside config ones, db_model true", async () => {
        await call(`${gateway.url}/model/new`, "POST", {
          model_name: "config-model",
          litellm_params: { model: "openai/gpt-4o-mini", api_base: upstream.url, api_key: STORED_KEY },
          model_info: { id: "joins-config-group", max_input_tokens: 64000 },
        });
        try {
          for (const path of ["/model/info", "/v2/model/info"]) {
            const info = await call(`${gateway.url}${path}`, "GET");
            expect(info.status).toBe(200);
            expect(info.text).not.toContain(STORED_KEY);
            expect(
              info.body.data.map((entry: { model_info: { id: string; db_model: boolean } }) => [
                entry.model_info.id,
                entry.model_info.db_model,
              ]),
            ).toEqual([
              ["config-one", false],
              ["joins-config-group", true],
            ]);
          }
          const one = await call(`${gateway.url}/model/info?litellm_model_id=joins-config-group`, "GET");
          expect(one.body.data).toEqual([
            {
              model_name: "config-model",
              litellm_params: { model: "openai/gpt-4o-mini", api_base: upstream.url },
              model_info: expect.objectContaining({
                id: "joins-config-group",
                db_model: true,
                max_input_tokens: 64000,
              }),
            },
          ]);
          const group = await call(`${gateway.url}/model_group/info?model_group=config-model`, "GET");
          expect(group.body.data).toEqual([
            expect.objectContaining({
              model_group: "config-model",
              max_input_tokens: 64000,
              providers: ["openai"],
            }),
          ]);
          // One group, two deployments: calls reach both keys.
          const keys = new Set<string | undefined>();
          for (let attempt = 0; attempt < 40 && keys.size < 2; attempt++) {
            await chatText(gateway.url, MASTER_KEY, "config-model");
            keys.add(lastUpstreamKey());
          }
          expect(keys).toEqual(new Set(["sk-config-model-key-000", STORED_KEY]));
        } finally {
          await call(`${gateway.url}/model/delete`, "POST", { id: "joins-config-group" });
        }
      });

      it("POST /model/update and PATCH /model/{id}/update change a stored model without a restart", async () => {
        await call(`${gateway.url}/model/new`, "POST", {
          model_name: "changing-model",
          litellm_params: { model: "openai/gpt-4o-mini", api_base: upstream.url, api_key: STORED_KEY },
          model_info: { id: "changing-one" },
        });
        const updated = await call(`${gateway.url}/model/update`, "POST", {
          litellm_params: { api_key: ROTATED_KEY, rpm: 99 },
          model_info: { id: "changing-one" },
        });
        expect(updated.status).toBe(200);
        expect(updated.body.litellm_params).toEqual({
          model: "openai/gpt-4o-mini",
          api_base: upstream.url,
          api_key: "sk****02",
          rpm: 99,
        });
        expect(await chatText(gateway.url, MASTER_KEY, "changing-model")).toBe("echo: hi");
        expect(lastUpstreamKey()).toBe(ROTATED_KEY);

        const patched = await call(`${gateway.url}/model/changing-one/update`, "PATCH", {
          model_name: "renamed-model",
          litellm_params: { model: "openai/gpt-4o" },
          model_info: { description: "moved" },
        });
        expect(patched.status).toBe(200);
        expect(patched.body).toMatchObject({
          model_id: "changing-one",
          model_name: "renamed-model",
          litellm_params: { model: "openai/gpt-4o", api_key: "sk****02", rpm: 99 },
          model_info: { id: "changing-one", db_model: true, description: "moved" },
        });
        expect(await chatText(gateway.url, MASTER_KEY, "renamed-model")).toBe("echo: hi");
        expect(upstream.requests.at(-1)?.body).toMatchObject({ model: "gpt-4o" });
        expect(lastUpstreamKey()).toBe(ROTATED_KEY);
        expect((await chatError("changing-model")).status).toBe(404);
        await call(`${gateway.url}/model/delete`, "POST", { id: "changing-one" });
      });

      it("stores the secrets encrypted with the salt key, and never answers them", async () => {
        await call(`${gateway.url}/model/new`, "POST", {
          model_name: "secret-model",
          litellm_params: {
            model: "openai/gpt-4o-mini",
            api_base: upstream.url,
            api_key: STORED_KEY,
            extra_secret_token: "tok-never-shown-123456",
          },
          model_info: { id: "secret-one" },
        });
        const [row] = await store.query<{ litellm_params: object; secret_params: Record<string, string> }>(
          "select litellm_params, secret_params from models where model_id = $1",
          ["secret-one"],
        );
        expect(JSON.stringify(row)).not.toContain(STORED_KEY);
        expect(JSON.stringify(row)).not.toContain("tok-never-shown");
        expect(row?.litellm_params).toEqual({ model: "openai/gpt-4o-mini", api_base: upstream.url });
        expect(Object.keys(row?.secret_params ?? {}).sort()).toEqual(["api_key", "extra_secret_token"]);
        for (const value of Object.values(row?.secret_params ?? {})) expect(value).toMatch(/^v3:gcm:/);

        for (const path of ["/model/info", "/v2/model/info", "/model_group/info"]) {
          const answer = await call(`${gateway.url}${path}`, "GET");
          expect(answer.text).not.toContain(STORED_KEY);
          expect(answer.text).not.toContain("tok-never-shown");
        }
        await call(`${gateway.url}/model/delete`, "POST", { id: "secret-one" });
      });

      it("refuses bodies that are not a deployment: 422 as FastAPI, 400 for what the gateway cannot serve", async () => {
        const bad = async (body: unknown) => call(`${gateway.url}/model/new`, "POST", body);
        for (const body of [
          [],
          { litellm_params: { model: "openai/gpt-4o" } },
          { model_name: "x" },
          { model_name: "x", litellm_params: { api_base: upstream.url } },
          { model_name: "x", litellm_params: "openai/gpt-4o" },
        ]) {
          const answer = await bad(body);
          expect(answer.status, JSON.stringify(body)).toBe(422);
          expect(answer.body.error).toMatchObject({ type: "invalid_request_error", code: "422" });
        }
        const notJson = await fetch(`${gateway.url}/model/new`, {
          method: "POST",
          headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
          body: "{not json",
        });
        expect(notJson.status).toBe(400);

        const unserved = await bad({
          model_name: "x",
          litellm_params: { model: "nosuchprovider/some-model" },
        });
        expect(unserved.status).toBe(400);
        expect(unserved.body.error).toMatchObject({
          type: "auth_error",
          code: "400",
          param: "litellm_params.model",
        });
        expect(unserved.body.error.message).toContain("nosuchprovider");

        const badRpm = await bad({
          model_name: "x",
          litellm_params: { model: "openai/gpt-4o", rpm: -1, api_key: "sk-secret-rpm-test-0000" },
        });
        expect(badRpm.status).toBe(400);
        expect(badRpm.body.error.message).toContain("litellm_params.rpm");
        expect(badRpm.text).not.toContain("sk-secret-rpm-test");

        const takenByConfig = await bad({
          model_name: "x",
          litellm_params: { model: "openai/gpt-4o" },
          model_info: { id: "config-one" },
        });
        expect(takenByConfig.status).toBe(409);
        expect(takenByConfig.body.error).toMatchObject({ type: "auth_error", code: "409" });

        const first = await bad({
          model_name: "x",
          litellm_params: { model: "openai/gpt-4o" },
          model_info: { id: "twice" },
        });
        expect(first.status).toBe(200);
        const again = await bad({
          model_name: "x",
          litellm_params: { model: "openai/gpt-4o" },
          model_info: { id: "twice" },
        });
        expect(again.status).toBe(409);
        await call(`${gateway.url}/model/delete`, "POST", { id: "twice" });

        const noId = await call(`${gateway.url}/model/delete`, "POST", {});
        expect(noId.status).toBe(422);
        const wrongMethod = await call(`${gateway.url}/model/new`, "GET");
        expect(wrongMethod.status).toBe(405);
      });

      it("answers unknown ids and config models as LiteLLM does", async () => {
        const unknownDelete = await call(`${gateway.url}/model/delete`, "POST", { id: "no-such-model" });
        expect(unknownDelete.status).toBe(400);
        expect(unknownDelete.body.error).toEqual({
          message: "Model with id=no-such-model not found in db",
          type: "auth_error",
          param: "id",
          code: "400",
        });
        const configDelete = await call(`${gateway.url}/model/delete`, "POST", { id: "config-one" });
        expect(configDelete.status).toBe(400);
        expect(configDelete.body.error.message).toMatch(/^Model with id=config-one not found in db/);

        const unknownUpdate = await call(`${gateway.url}/model/update`, "POST", {
          litellm_params: { rpm: 1 },
          model_info: { id: "no-such-model" },
        });
        expect(unknownUpdate.status).toBe(400);
        expect(unknownUpdate.body.error).toMatchObject({ type: "auth_error", code: "400" });
        const configUpdate = await call(`${gateway.url}/model/update`, "POST", {
          litellm_params: { rpm: 1 },
          model_info: { id: "config-one" },
        });
        expect(configUpdate.status).toBe(400);
        expect(configUpdate.body.error).toMatchObject({
          message: "Can't edit model. Model in config. Store model in db via `/model/new`. to edit.",
          type: "auth_error",
          code: "400",
        });
        const noId = await call(`${gateway.url}/model/update`, "POST", { litellm_params: { rpm: 1 } });
        expect(noId.status).toBe(400);
        expect(noId.body.error.message).toContain("model_info.id");

        const unknownPatch = await call(`${gateway.url}/model/no-such-model/update`, "PATCH", {
          litellm_params: { rpm: 1 },
        });
        expect(unknownPatch.status).toBe(404);
        expect(unknownPatch.body.error).toMatchObject({
          message: "Model no-such-model not found on proxy.",
          type: "not_found_error",
          code: "404",
        });
        const configPatch = await call(`${gateway.url}/model/config-one/update`, "PATCH", {
          litellm_params: { rpm: 1 },
        });
        expect(configPatch.status).toBe(400);
        expect(configPatch.body.error).toMatchObject({
          message: "Cannot edit config-based model. Store model in DB via /model/new first.",
          type: "bad_request_error",
          code: "400",
        });
        // The config model still serves.
        expect(await chatText(gateway.url, MASTER_KEY, "config-model")).toBe("echo: hi");
      });

      it("lets the master key and proxy_admin keys manage models, and refuses other keys with LiteLLM's 403", async () => {
        const body = {
          model_name: "admin-made",
          litellm_params: { model: "openai/gpt-4o-mini", api_base: upstream.url },
          model_info: { id: "admin-made-one" },
        };
        for (const [path, method, payload] of [
          ["/model/new", "POST", body],
          ["/model/update", "POST", { litellm_params: { rpm: 1 }, model_info: { id: "config-one" } }],
          ["/model/config-one/update", "PATCH", { litellm_params: { rpm: 1 } }],
          ["/model/delete", "POST", { id: "config-one" }],
        ] as const) {
          const refused = await call(`${gateway.url}${path}`, method, payload, userKey);
          expect(refused.status, path).toBe(403);
          expect(refused.body.error).toMatchObject({ type: "auth_error", code: "403" });
        }
        const unauthenticated = await call(`${gateway.url}/model/new`, "POST", body, null);
        expect(unauthenticated.status).toBe(401);

        const byAdmin = await call(`${gateway.url}/model/new`, "POST", body, adminKey);
        expect(byAdmin.status).toBe(200);
        expect(byAdmin.body.created_by).toMatch(/^sk-\.\.\./);
        expect(await chatText(gateway.url, userKey, "admin-made")).toBe("echo: hi");
        expect(
          (await call(`${gateway.url}/model/delete`, "POST", { id: "admin-made-one" }, adminKey)).status,
        ).toBe(200);
      });
    },
  );
}
