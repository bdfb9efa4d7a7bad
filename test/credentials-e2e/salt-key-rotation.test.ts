import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CredentialService } from "../../gen/switchyard/v1/credential_pb.js";
import { decryptValues } from "../../src/credentials/encryption/credential-cipher.js";
import { SaltKey } from "../../src/credentials/encryption/salt-key.js";
import type { Store } from "../../src/store/store.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import {
  call,
  chat,
  pgliteBackend,
  postgresBackend,
  type StoreBackend,
  type StoreGateway,
  startStoreGateway,
} from "./store-gateway.js";

const OLD_SALT_KEY = "old-salt-key-before-rotation";
const NEW_SALT_KEY = "new-salt-key-after-rotation";
const SECRET = "sk-shared-upstream-secret-0042";

function yaml() {
  return `
model_list:
  - model_name: shared-model
    litellm_params: { model: openai/gpt-4o, litellm_credential_name: shared }
general_settings: { master_key: ${MASTER_KEY} }
`;
}

/** Resolves when `replica` has reloaded every credential (a rotation's NOTIFY) or, given, credential `name`. */
function reloaded(replica: StoreGateway, name?: string): Promise<void> {
  return new Promise((resolve) => {
    const stop = replica.gateway.credentials.onReloaded((changed) => {
      if (changed === undefined || changed === name) {
        stop();
        resolve();
      }
    });
  });
}

/** Polls until `condition` holds; the test's own timeout bounds it. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

async function storedValues(store: Store, name: string): Promise<Record<string, string>> {
  const [row] = await store.query<{ credential_values: Record<string, string> }>(
    "select credential_values from credentials where credential_name = $1",
    [name],
  );
  if (!row) throw new Error(`no stored credential ${name}`);
  return row.credential_values;
}

function opensWith(values: Record<string, string>, secret: string, name: string): boolean {
  try {
    decryptValues(values, new SaltKey(secret, "test key"), name);
    return true;
  } catch {
    return false;
  }
}

const postgres = postgresBackend();

describe.skipIf(postgres.skipReason !== undefined)(
  "salt-key rotation over the API, two replicas on one Postgres under traffic",
  { timeout: 90_000 },
  () => {
    let upstream: FakeOpenAI;
    const stores: Store[] = [];
    const gateways: StoreGateway[] = [];

    async function replica(saltKey: string): Promise<StoreGateway> {
      const store = postgres.open();
      stores.push(store);
      const gateway = await startStoreGateway(yaml(), { store, env: { LITELLM_SALT_KEY: saltKey } });
      gateways.push(gateway);
      return gateway;
    }

    beforeAll(async () => {
      upstream = await startFakeOpenAI();
      await postgres.setUp();
    }, 60_000);
    afterAll(async () => {
      await Promise.all(gateways.map((gateway) => gateway.close()));
      await Promise.all(stores.map((store) => store.close()));
      await upstream?.close();
      await postgres.tearDown();
    });

    it("re-encrypts every secret, both replicas keep serving throughout, and a wrong old key changes nothing", async () => {
      const first = await replica(OLD_SALT_KEY);
      const second = await replica(OLD_SALT_KEY);
      const store = stores[0] as Store;
      const heard = reloaded(second, "shared");
      await call(`${first.url}/credentials`, "POST", {
        credential_name: "shared",
        credential_values: { api_key: SECRET, api_base: upstream.url },
      });
      await heard;

      let stopped = false;
      const statuses: number[] = [];
      const traffic = (async () => {
        while (!stopped) {
          const answers = await Promise.all([
            chat(first.url, "shared-model"),
            chat(second.url, "shared-model"),
          ]);
          statuses.push(...answers.map((answer) => answer.status));
        }
      })();
      await until(() => statuses.length >= 4);

      const before = await storedValues(store, "shared");
      const wrong = await call(`${first.url}/credentials/rotate-salt-key`, "POST", {
        old_salt_key: "not-the-salt-key",
        new_salt_key: NEW_SALT_KEY,
      });
      expect(wrong.status).toBe(400);
      expect(wrong.body).toMatchObject({ error: { code: "wrong_salt_key" } });
      expect(wrong.text).not.toContain(NEW_SALT_KEY);
      expect(wrong.text).not.toContain("not-the-salt-key");
      expect(await storedValues(store, "shared")).toEqual(before);

      const secondLearned = reloaded(second);
      const rotated = await call(`${first.url}/credentials/rotate-salt-key`, "POST", {
        old_salt_key: OLD_SALT_KEY,
        new_salt_key: NEW_SALT_KEY,
      });
      expect(rotated.body).toEqual({ success: true, message: "Salt key rotated", credentials_rewritten: 1 });
      await secondLearned;
      const served = statuses.length;
      await until(() => statuses.length >= served + 4);
      stopped = true;
      await traffic;
      expect(statuses.every((status) => status === 200)).toBe(true);
      expect(upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${SECRET}`);

      const after = await storedValues(store, "shared");
      expect(opensWith(after, NEW_SALT_KEY, "shared")).toBe(true);
      expect(opensWith(after, OLD_SALT_KEY, "shared")).toBe(false);

      // The replica that did not rotate writes with the new key at once.
      const patched = reloaded(first, "shared");
      await call(`${second.url}/credentials/shared`, "PATCH", {
        credential_values: { organization: "org-after" },
      });
      await patched;
      expect(opensWith(await storedValues(store, "shared"), NEW_SALT_KEY, "shared")).toBe(true);
    });

    it("serves replicas restarted with the new key, and ones still on the old key until the rotation is finished", async () => {
      const restarted = await replica(NEW_SALT_KEY);
      expect((await chat(restarted.url, "shared-model")).status).toBe(200);
      const stale = await replica(OLD_SALT_KEY);
      expect((await chat(stale.url, "shared-model")).status).toBe(200);
      expect((await call(`${stale.url}/credentials/by_name/shared`, "GET")).body).toMatchObject({
        credential_values: { api_key: "sk****42" },
      });

      const finished = await call(`${restarted.url}/credentials/rotate-salt-key/finish`, "POST");
      expect(finished.body).toEqual({ success: true, message: "Salt key rotation finished" });
      expect((await call(`${restarted.url}/credentials/rotate-salt-key/finish`, "POST")).status).toBe(400);

      // After the window the old key opens nothing, and a replica holding only it cannot write.
      const late = await replica(OLD_SALT_KEY);
      expect((await chat(late.url, "shared-model")).status).not.toBe(200);
      const write = await call(`${late.url}/credentials`, "POST", {
        credential_name: "late",
        credential_values: { api_key: "sk-late-writer-key-00" },
      });
      expect(write.body).toMatchObject({ error: { code: "salt_key_changed" } });
      expect((await chat(restarted.url, "shared-model")).status).toBe(200);
    });
  },
);

for (const backend of [postgresBackend(), pgliteBackend()] as StoreBackend[]) {
  describe.skipIf(backend.skipReason !== undefined)(
    `salt-key rotation through CredentialService on ${backend.name}`,
    { timeout: 60_000 },
    () => {
      let upstream: FakeOpenAI;
      let store: Store;
      let running: StoreGateway;

      beforeAll(async () => {
        upstream = await startFakeOpenAI();
        await backend.setUp();
        store = backend.open();
        running = await startStoreGateway(yaml(), { store, env: { LITELLM_SALT_KEY: OLD_SALT_KEY } });
      }, 60_000);
      afterAll(async () => {
        await running?.close();
        await store?.close();
        await upstream?.close();
        await backend.tearDown();
      });

      it("rotates for the master key, refuses a caller without it and a wrong old key, and survives a restart on the new key", async () => {
        await call(`${running.url}/credentials`, "POST", {
          credential_name: "shared",
          credential_values: { api_key: SECRET, api_base: upstream.url },
        });
        const client = createClient(CredentialService, createGrpcTransport({ baseUrl: running.url }));
        const headers = { authorization: `Bearer ${MASTER_KEY}` };

        const anonymous = await client
          .rotateSaltKey({ oldSaltKey: OLD_SALT_KEY, newSaltKey: NEW_SALT_KEY })
          .catch((error: unknown) => ConnectError.from(error));
        expect(anonymous).toMatchObject({ code: Code.Unauthenticated });
        const wrong = await client
          .rotateSaltKey({ oldSaltKey: NEW_SALT_KEY, newSaltKey: OLD_SALT_KEY }, { headers })
          .catch((error: unknown) => ConnectError.from(error));
        expect(wrong).toMatchObject({ code: Code.FailedPrecondition });
        expect(JSON.stringify(wrong)).not.toContain(NEW_SALT_KEY);
        expect(String((wrong as ConnectError).message)).not.toContain(NEW_SALT_KEY);
        expect(opensWith(await storedValues(store, "shared"), OLD_SALT_KEY, "shared")).toBe(true);

        const rotated = await client.rotateSaltKey(
          { oldSaltKey: OLD_SALT_KEY, newSaltKey: NEW_SALT_KEY },
          { headers },
        );
        expect(rotated.credentialsRewritten).toBe(1);
        expect((await chat(running.url, "shared-model")).status).toBe(200);

        await running.close();
        await store.close();
        store = backend.open();
        running = await startStoreGateway(yaml(), { store, env: { LITELLM_SALT_KEY: NEW_SALT_KEY } });
        expect((await chat(running.url, "shared-model")).status).toBe(200);
        expect(upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${SECRET}`);
        const after = createClient(CredentialService, createGrpcTransport({ baseUrl: running.url }));
        await after.finishSaltKeyRotation({}, { headers });
      });
    },
  );
}
