import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CredentialService, CredentialSource } from "../../gen/switchyard/v1/credential_pb.js";
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

const CONFIG_KEY = "sk-config-credential-abcd";
const DEPLOYMENT_KEY = "sk-deployment-own-key-wxyz";
const env = { LITELLM_SALT_KEY: "salt-key-for-litellm-route-tests", CONFIG_KEY };

function yaml(upstream: FakeOpenAI) {
  return `
model_list:
  - model_name: direct-model
    litellm_params: { model: openai/gpt-4o, api_key: ${DEPLOYMENT_KEY}, api_base: ${upstream.url} }
    model_info: { id: direct-id }
  - model_name: renamed-model
    litellm_params: { model: openai/gpt-4o, litellm_credential_name: after-rename }
credential_list:
  - credential_name: from-config
    credential_values: { api_key: os.environ/CONFIG_KEY, api_base: ${upstream.url} }
    credential_info: { custom_llm_provider: openai }
general_settings: { master_key: ${MASTER_KEY} }
`;
}

for (const backend of [postgresBackend(), pgliteBackend()] as StoreBackend[]) {
  describe.skipIf(backend.skipReason !== undefined)(
    `LiteLLM's credential routes on ${backend.name}`,
    { timeout: 60_000 },
    () => {
      let upstream: FakeOpenAI;
      let store: Store;
      let running: StoreGateway;
      const headers = { authorization: `Bearer ${MASTER_KEY}` };
      const rpc = () => createClient(CredentialService, createGrpcTransport({ baseUrl: running.url }));

      beforeAll(async () => {
        upstream = await startFakeOpenAI();
        await backend.setUp();
        store = backend.open();
        running = await startStoreGateway(yaml(upstream), { store, env });
      }, 60_000);
      afterAll(async () => {
        await running?.close();
        await store?.close();
        await upstream?.close();
        await backend.tearDown();
      });

      it("lists and reads config credentials masked, marked as from the config", async () => {
        const expected = {
          credential_name: "from-config",
          credential_values: { api_key: "sk****cd", api_base: upstream.url },
          credential_info: { custom_llm_provider: "openai" },
          source: "config",
        };
        expect((await call(`${running.url}/credentials/by_name/from-config`, "GET")).body).toEqual(expected);
        const list = (await call(`${running.url}/credentials`, "GET")).body as { credentials: unknown[] };
        expect(list.credentials).toContainEqual(expected);

        const got = await rpc().getCredential({ credentialName: "from-config" }, { headers });
        expect(got.credential).toMatchObject({
          credentialValues: { api_key: "sk****cd" },
          source: CredentialSource.CONFIG,
        });
        const listed = await rpc().listCredentials({}, { headers });
        expect(
          listed.credentials.find((credential) => credential.credentialName === "from-config")?.source,
        ).toBe(CredentialSource.CONFIG);
      });

      it("refuses to update or delete a config credential, naming the config file, and changes nothing", async () => {
        for (const [method, body] of [
          ["PATCH", { credential_values: { api_key: "sk-overwritten-000" } }],
          ["DELETE", undefined],
        ] as const) {
          const refused = await call(`${running.url}/credentials/from-config`, method, body);
          expect(refused.status).toBe(400);
          expect(refused.body).toMatchObject({
            error: { code: "credential_in_config", message: expect.stringContaining("test.yaml") },
          });
        }
        const viaRpc = await rpc()
          .deleteCredential({ credentialName: "from-config" }, { headers })
          .catch((error: unknown) => ConnectError.from(error));
        expect(viaRpc).toMatchObject({
          code: Code.FailedPrecondition,
          message: expect.stringContaining("test.yaml"),
        });
        const still = await call(`${running.url}/credentials/by_name/from-config`, "GET");
        expect(still.body).toMatchObject({ credential_values: { api_key: "sk****cd" } });
      });

      it("answers a deployment's own credentials by model id, masked, as LiteLLM names them", async () => {
        const read = await call(`${running.url}/credentials/by_model/direct-id`, "GET");
        expect(read.body).toEqual({
          credential_name: "direct-model-credential-direct-id",
          credential_values: { api_key: "sk****yz", api_base: upstream.url },
          credential_info: {},
        });
        const viaRpc = await rpc().getModelCredential({ modelId: "direct-id" }, { headers });
        expect(viaRpc.credential?.credentialValues).toEqual({ api_key: "sk****yz", api_base: upstream.url });
        const unknown = await call(`${running.url}/credentials/by_model/no-such-id`, "GET");
        expect(unknown.status).toBe(404);
      });

      it("creates a credential from a model's credentials, and renames it so that the model using the new name works", async () => {
        const created = await call(`${running.url}/credentials`, "POST", {
          credential_name: "copied",
          model_id: "direct-id",
        });
        expect(created.body).toEqual({ success: true, message: "Credential created successfully" });
        const copied = await call(`${running.url}/credentials/by_name/copied`, "GET");
        expect(copied.body).toMatchObject({ credential_values: { api_key: "sk****yz" }, source: "db" });

        const renamed = await call(`${running.url}/credentials/copied`, "PATCH", {
          credential_name: "after-rename",
        });
        expect(renamed.body).toEqual({ success: true, message: "Credential updated successfully" });
        expect((await call(`${running.url}/credentials/by_name/copied`, "GET")).status).toBe(404);
        expect((await chat(running.url, "renamed-model")).status).toBe(200);
        const header = upstream.requests.at(-1)?.headers.authorization;
        expect(header).toBe(`Bearer ${DEPLOYMENT_KEY}`);

        const missing = await call(`${running.url}/credentials`, "POST", {
          credential_name: "from-nowhere",
          model_id: "no-such-id",
        });
        expect(missing.status).toBe(404);
      });

      it("renames and removes keys through CredentialService, refusing a taken name", async () => {
        const client = rpc();
        await client.createCredential(
          {
            credential: {
              credentialName: "rpc-original",
              credentialValues: { api_key: "sk-rpc-original-0000", organization: "org-one" },
            },
          },
          { headers },
        );
        const updated = await client.updateCredential(
          {
            credentialName: "rpc-original",
            newCredentialName: "rpc-renamed",
            removedValueKeys: ["organization"],
          },
          { headers },
        );
        expect(updated.credential).toMatchObject({
          credentialName: "rpc-renamed",
          credentialValues: { api_key: "sk****00" },
          source: CredentialSource.STORE,
        });
        expect(Object.keys(updated.credential?.credentialValues ?? {})).toEqual(["api_key"]);

        await client.createCredential(
          {
            credential: { credentialName: "rpc-other", credentialValues: { api_key: "sk-rpc-other-11111" } },
          },
          { headers },
        );
        const taken = await client
          .updateCredential({ credentialName: "rpc-other", newCredentialName: "rpc-renamed" }, { headers })
          .catch((error: unknown) => ConnectError.from(error));
        expect(taken).toMatchObject({ code: Code.AlreadyExists });
      });

      it("removes a key from credential_values when PATCH gives it as null, merging the rest as LiteLLM does", async () => {
        await call(`${running.url}/credentials`, "POST", {
          credential_name: "trimmed",
          credential_values: {
            api_key: "sk-trimmed-secret-00",
            api_version: "2024-10-21",
            organization: "org-x",
          },
        });
        await call(`${running.url}/credentials/trimmed`, "PATCH", {
          credential_name: "trimmed",
          credential_values: { organization: null, api_version: "2025-01-01" },
        });
        const read = await call(`${running.url}/credentials/by_name/trimmed`, "GET");
        expect((read.body as { credential_values: unknown }).credential_values).toEqual({
          api_key: "sk****00",
          api_version: "2025-01-01",
        });
      });
    },
  );
}
