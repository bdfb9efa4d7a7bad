import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import {
  call,
  chatText,
  modelReloaded,
  postgresBackend,
  type StoreGateway,
  startModelGateway,
} from "./model-gateway.js";

const backend = postgresBackend();

/** LiteLLM's promise for stored models: every replica serves a change within a second, without a restart. */
const REPLICA_DEADLINE_MS = 1000;

describe.skipIf(backend.skipReason !== undefined)(
  "stored models across replicas sharing one Postgres",
  () => {
    let upstream: FakeOpenAI;
    const stores: Store[] = [];
    const replicas: StoreGateway[] = [];

    beforeAll(async () => {
      upstream = await startFakeOpenAI();
      await backend.setUp();
      const yaml = `
model_list:
  - model_name: config-model
    litellm_params: { model: openai/gpt-4o, api_base: ${upstream.url}, api_key: sk-config-replica-key }
general_settings: { master_key: ${MASTER_KEY} }
`;
      for (let index = 0; index < 2; index++) {
        const store = backend.open();
        stores.push(store);
        replicas.push(await startModelGateway(yaml, { store }));
      }
    }, 60_000);
    afterAll(async () => {
      await Promise.all(replicas.map((replica) => replica.close()));
      await Promise.all(stores.map((store) => store.close()));
      await upstream?.close();
      await backend.tearDown();
    });

    function lastKey(): string | undefined {
      const header = upstream.requests.at(-1)?.headers.authorization;
      return typeof header === "string" ? header.replace(/^Bearer /, "") : undefined;
    }

    it("a model added, changed and deleted through one replica is served so by the other within a second", async () => {
      const [first, second] = replicas as [StoreGateway, StoreGateway];
      let heard = modelReloaded(second, "shared-one");
      const created = await call(`${first.url}/model/new`, "POST", {
        model_name: "shared-model",
        litellm_params: {
          model: "openai/gpt-4o-mini",
          api_base: upstream.url,
          api_key: "sk-replica-model-one-1",
        },
        model_info: { id: "shared-one" },
      });
      const committed = performance.now();
      expect(created.status).toBe(200);
      await heard;
      expect(performance.now() - committed).toBeLessThan(REPLICA_DEADLINE_MS);
      expect(await chatText(second.url, MASTER_KEY, "shared-model")).toBe("echo: hi");
      expect(lastKey()).toBe("sk-replica-model-one-1");

      heard = modelReloaded(second, "shared-one");
      await call(`${first.url}/model/shared-one/update`, "PATCH", {
        litellm_params: { api_key: "sk-replica-model-two-2" },
      });
      await heard;
      expect(await chatText(second.url, MASTER_KEY, "shared-model")).toBe("echo: hi");
      expect(lastKey()).toBe("sk-replica-model-two-2");
      const info = await call(`${second.url}/model/info?litellm_model_id=shared-one`, "GET");
      expect(info.body.data[0].model_info).toMatchObject({ id: "shared-one", db_model: true });

      heard = modelReloaded(second, "shared-one");
      await call(`${first.url}/model/delete`, "POST", { id: "shared-one" });
      const deleted = performance.now();
      await heard;
      expect(performance.now() - deleted).toBeLessThan(REPLICA_DEADLINE_MS);
      await expect(chatText(second.url, MASTER_KEY, "shared-model")).rejects.toBeInstanceOf(
        OpenAI.NotFoundError,
      );
      expect(await chatText(second.url, MASTER_KEY, "config-model")).toBe("echo: hi");
    });

    it("a replica started later serves the models stored before it", async () => {
      const [first] = replicas as [StoreGateway];
      await call(`${first.url}/model/new`, "POST", {
        model_name: "early-model",
        litellm_params: {
          model: "openai/gpt-4o-mini",
          api_base: upstream.url,
          api_key: "sk-replica-early-000",
        },
        model_info: { id: "early-one" },
      });
      const store = backend.open();
      stores.push(store);
      const late = await startModelGateway(
        `
model_list: []
general_settings: { master_key: ${MASTER_KEY} }
`,
        { store },
      );
      replicas.push(late);
      expect(await chatText(late.url, MASTER_KEY, "early-model")).toBe("echo: hi");
      expect(lastKey()).toBe("sk-replica-early-000");
    });
  },
);
