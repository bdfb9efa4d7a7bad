import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { call, chat, postgresBackend, type StoreGateway, startStoreGateway } from "./store-gateway.js";

const backend = postgresBackend();

describe.skipIf(backend.skipReason !== undefined)("credentials across replicas sharing one Postgres", () => {
  let upstream: FakeOpenAI;
  const stores: Store[] = [];
  const replicas: StoreGateway[] = [];

  beforeAll(async () => {
    upstream = await startFakeOpenAI();
    await backend.setUp();
    const yaml = `
model_list:
  - model_name: shared-model
    litellm_params: { model: openai/gpt-4o, litellm_credential_name: shared }
general_settings: { master_key: ${MASTER_KEY} }
`;
    for (let index = 0; index < 2; index++) {
      const store = backend.open();
      stores.push(store);
      replicas.push(await startStoreGateway(yaml, { store, env: { LITELLM_SALT_KEY: "replica-salt-key" } }));
    }
  }, 60_000);
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    await Promise.all(stores.map((store) => store.close()));
    await upstream?.close();
    await backend.tearDown();
  });

  /** Resolves when `replica` has reloaded credential `name` (its LISTEN heard the NOTIFY). */
  function reloaded(replica: StoreGateway, name: string): Promise<void> {
    return new Promise((resolve) => {
      const stop = replica.gateway.credentials.onReloaded((changed) => {
        if (changed === name || changed === undefined) {
          stop();
          resolve();
        }
      });
    });
  }

  function lastKey(): string | undefined {
    const header = upstream.requests.at(-1)?.headers.authorization;
    return typeof header === "string" ? header.replace(/^Bearer /, "") : undefined;
  }

  it("a credential created and PATCHed through one replica is used by the other without a restart", async () => {
    const [first, second] = replicas as [StoreGateway, StoreGateway];
    let heard = reloaded(second, "shared");
    await call(`${first.url}/credentials`, "POST", {
      credential_name: "shared",
      credential_values: { api_key: "sk-replica-key-one-01", api_base: upstream.url },
    });
    await heard;
    expect((await chat(second.url, "shared-model")).status).toBe(200);
    expect(lastKey()).toBe("sk-replica-key-one-01");

    heard = reloaded(second, "shared");
    await call(`${first.url}/credentials/shared`, "PATCH", {
      credential_values: { api_key: "sk-replica-key-two-02" },
    });
    await heard;
    expect((await chat(second.url, "shared-model")).status).toBe(200);
    expect(lastKey()).toBe("sk-replica-key-two-02");

    heard = reloaded(second, "shared");
    await call(`${first.url}/credentials/shared`, "DELETE");
    await heard;
    const failed = await chat(second.url, "shared-model");
    expect(failed.body).toMatchObject({ error: { code: "credential_not_found" } });
  });
});
