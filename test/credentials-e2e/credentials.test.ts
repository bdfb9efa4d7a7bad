import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CredentialService } from "../../gen/switchyard/v1/credential_pb.js";
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

const SALT_KEY = "salt-key-for-credential-tests";
const STORED_KEY = "sk-stored-credential-0001";
const CONFIG_KEY = "sk-config-credential-0002";

function yaml(upstream: FakeOpenAI, masterKey: string | null = MASTER_KEY) {
  return `
model_list:
  - model_name: stored-model
    litellm_params: { model: openai/gpt-4o, litellm_credential_name: upstream }
  - model_name: explicit-model
    litellm_params: { model: openai/gpt-4o, api_key: sk-explicit-key-0003, litellm_credential_name: upstream }
  - model_name: config-model
    litellm_params: { model: openai/gpt-4o, litellm_credential_name: from-config }
  - model_name: shadowed-model
    litellm_params: { model: openai/gpt-4o, litellm_credential_name: shadowed }
credential_list:
  - credential_name: from-config
    credential_values: { api_key: os.environ/CONFIG_KEY, api_base: ${upstream.url} }
  - credential_name: shadowed
    credential_values: { api_key: os.environ/CONFIG_KEY, api_base: ${upstream.url} }
${masterKey ? `general_settings: { master_key: ${masterKey} }` : ""}
`;
}

const env = { LITELLM_SALT_KEY: SALT_KEY, CONFIG_KEY };

function lastKey(upstream: FakeOpenAI): string | undefined {
  const header = upstream.requests.at(-1)?.headers.authorization;
  return typeof header === "string" ? header.replace(/^Bearer /, "") : undefined;
}

for (const backend of [postgresBackend(), pgliteBackend()] as StoreBackend[]) {
  describe.skipIf(backend.skipReason !== undefined)(
    `credentials on ${backend.name}`,
    { timeout: 60_000 },
    () => {
      let upstream: FakeOpenAI;
      let store: Store;
      let running: StoreGateway;
      const others: StoreGateway[] = [];
      let counter = 0;
      const uniqueName = (prefix: string) => `${prefix}-${++counter}`;
      const upstreamCredential = () => ({ api_key: STORED_KEY, api_base: upstream.url });

      beforeAll(async () => {
        upstream = await startFakeOpenAI();
        await backend.setUp();
        store = backend.open();
        running = await startStoreGateway(yaml(upstream), { store, env });
      }, 60_000);
      afterEach(async () => {
        await Promise.all(others.splice(0).map((other) => other.close()));
      });
      afterAll(async () => {
        await running?.close();
        await store?.close();
        await upstream?.close();
        await backend.tearDown();
      });

      it("creates, reads masked, merges on update, and deletes through LiteLLM's REST routes", async () => {
        const name = uniqueName("rest");
        const created = await call(`${running.url}/credentials`, "POST", {
          credential_name: name,
          credential_values: { api_key: "sk-rest-secret-value-123", api_base: "https://example.test/v1" },
          credential_info: { custom_llm_provider: "openai" },
        });
        expect(created).toMatchObject({
          status: 200,
          body: { success: true, message: "Credential created successfully" },
        });

        const read = await call(`${running.url}/credentials/by_name/${name}`, "GET");
        // LiteLLM's rule: sensitive fields show two characters at each end, the others are shown.
        expect(read.body).toEqual({
          credential_name: name,
          credential_values: { api_key: "sk****23", api_base: "https://example.test/v1" },
          credential_info: { custom_llm_provider: "openai" },
          source: "db",
        });

        const patched = await call(`${running.url}/credentials/${name}`, "PATCH", {
          credential_name: name,
          credential_values: { api_version: "2024-10-21-preview" },
          credential_info: { team: "search" },
        });
        expect(patched.body).toEqual({ success: true, message: "Credential updated successfully" });

        const list = await call(`${running.url}/credentials`, "GET");
        const listed = (list.body as { credentials: { credential_name: string }[] }).credentials.find(
          (credential) => credential.credential_name === name,
        );
        expect(listed).toEqual({
          credential_name: name,
          credential_values: {
            api_key: "sk****23",
            api_base: "https://example.test/v1",
            api_version: "2024-10-21-preview",
          },
          credential_info: { custom_llm_provider: "openai", team: "search" },
          source: "db",
        });

        expect((await call(`${running.url}/credentials/${name}`, "DELETE")).body).toEqual({
          success: true,
          message: "Credential deleted successfully",
        });
        const gone = await call(`${running.url}/credentials/by_name/${name}`, "GET");
        expect(gone.status).toBe(404);
        expect(gone.body).toMatchObject({ error: { message: `credential "${name}" not found` } });
      });

      it("answers 409 for a taken name and 404 for updating or deleting an unknown one", async () => {
        const name = uniqueName("conflict");
        const body = { credential_name: name, credential_values: { api_key: "sk-conflict-secret-1" } };
        expect((await call(`${running.url}/credentials`, "POST", body)).status).toBe(200);
        expect((await call(`${running.url}/credentials`, "POST", body)).status).toBe(409);
        expect(
          (await call(`${running.url}/credentials/nope`, "PATCH", { credential_values: { a: "b" } })).status,
        ).toBe(404);
        expect((await call(`${running.url}/credentials/nope`, "DELETE")).status).toBe(404);
      });

      it.each([
        ["gRPC", () => createGrpcTransport({ baseUrl: running.url })],
        [
          "Connect JSON",
          () => createConnectTransport({ baseUrl: running.url, httpVersion: "1.1", useBinaryFormat: false }),
        ],
      ])("round-trips through %s with values masked", async (_transport, makeTransport) => {
        const client = createClient(CredentialService, makeTransport());
        const headers = { authorization: `Bearer ${MASTER_KEY}` };
        const name = uniqueName("rpc");
        const created = await client.createCredential(
          { credential: { credentialName: name, credentialValues: { api_key: "sk-rpc-secret-value-9" } } },
          { headers },
        );
        expect(created.credential?.credentialValues).toEqual({ api_key: "sk****-9" });
        expect(created.credential?.createTime).toBeDefined();

        const updated = await client.updateCredential(
          {
            credentialName: name,
            credentialValues: { api_base: "https://merged.example/v1" },
            credentialInfo: { a: 1 },
          },
          { headers },
        );
        expect(updated.credential?.credentialValues).toEqual({
          api_key: "sk****-9",
          api_base: "https://merged.example/v1",
        });
        expect(updated.credential?.credentialInfo).toEqual({ a: 1 });

        const got = await client.getCredential({ credentialName: name }, { headers });
        expect(got.credential?.credentialValues).toEqual({
          api_key: "sk****-9",
          api_base: "https://merged.example/v1",
        });
        const listed = await client.listCredentials({}, { headers });
        expect(listed.credentials.map((credential) => credential.credentialName)).toContain(name);

        await client.deleteCredential({ credentialName: name }, { headers });
        const missing = await client
          .getCredential({ credentialName: name }, { headers })
          .catch((error: unknown) => ConnectError.from(error));
        expect(missing).toMatchObject({ code: Code.NotFound });
        const duplicate = await client
          .createCredential(
            { credential: { credentialName: "from-nowhere", credentialValues: {} } },
            { headers },
          )
          .catch((error: unknown) => ConnectError.from(error));
        expect(duplicate).toMatchObject({ code: Code.InvalidArgument });
      });

      it("refuses callers without the master key: 401 without or with a wrong key", async () => {
        expect((await call(`${running.url}/credentials`, "GET", undefined, null)).status).toBe(401);
        expect((await call(`${running.url}/credentials`, "GET", undefined, "sk-wrong")).status).toBe(401);
        const client = createClient(CredentialService, createGrpcTransport({ baseUrl: running.url }));
        const refused = await client.listCredentials({}).catch((error: unknown) => ConnectError.from(error));
        expect(refused).toMatchObject({ code: Code.Unauthenticated });
      });

      it("answers 403 PERMISSION_DENIED when no master key is set, since there is no admin", async () => {
        const open = await startStoreGateway(yaml(upstream, null), { store, env });
        others.push(open);
        const refused = await call(`${open.url}/credentials`, "GET", undefined, null);
        expect(refused.status).toBe(403);
        expect(refused.body).toMatchObject({
          error: { message: expect.stringContaining("Set a master key") },
        });
        const client = createClient(CredentialService, createGrpcTransport({ baseUrl: open.url }));
        const denied = await client.listCredentials({}).catch((error: unknown) => ConnectError.from(error));
        expect(denied).toMatchObject({ code: Code.PermissionDenied });
      });

      it("stores ciphertext only: the raw rows hold no value in clear", async () => {
        const name = uniqueName("raw");
        await call(`${running.url}/credentials`, "POST", {
          credential_name: name,
          credential_values: { api_key: "sk-raw-plaintext-never-stored" },
        });
        const rows = await store.query<{ credential_values: Record<string, string> }>(
          "select credential_values from credentials where credential_name = $1",
          [name],
        );
        expect(rows).toHaveLength(1);
        const text = JSON.stringify(rows);
        expect(text).not.toContain("sk-raw-plaintext-never-stored");
        expect(rows[0]?.credential_values.api_key).toMatch(/^v3:gcm:/);
      });

      it("calls a model with the stored credential's key, a PATCHed key on the next request, and fails clearly after DELETE", async () => {
        const created = await call(`${running.url}/credentials`, "POST", {
          credential_name: "upstream",
          credential_values: upstreamCredential(),
        });
        expect(created.status).toBe(200);
        const first = await chat(running.url, "stored-model");
        expect(first.status).toBe(200);
        expect(lastKey(upstream)).toBe(STORED_KEY);

        await call(`${running.url}/credentials/upstream`, "PATCH", {
          credential_values: { api_key: "sk-rotated-key-0004" },
        });
        expect((await chat(running.url, "stored-model")).status).toBe(200);
        expect(lastKey(upstream)).toBe("sk-rotated-key-0004");

        // The entry's own api_key wins over the credential's; its api_base still comes from the credential.
        expect((await chat(running.url, "explicit-model")).status).toBe(200);
        expect(lastKey(upstream)).toBe("sk-explicit-key-0003");

        await call(`${running.url}/credentials/upstream`, "DELETE");
        const failed = await chat(running.url, "stored-model");
        expect(failed.status).toBe(500);
        expect(failed.body).toMatchObject({
          error: { code: "credential_not_found", message: expect.stringContaining('credential "upstream"') },
        });
      });

      it("serves config credentials from credential_list, and a stored credential of the same name wins", async () => {
        expect((await chat(running.url, "config-model")).status).toBe(200);
        expect(lastKey(upstream)).toBe(CONFIG_KEY);
        expect((await chat(running.url, "shadowed-model")).status).toBe(200);
        expect(lastKey(upstream)).toBe(CONFIG_KEY);

        await call(`${running.url}/credentials`, "POST", {
          credential_name: "shadowed",
          credential_values: { api_key: "sk-stored-shadow-0005", api_base: upstream.url },
        });
        expect((await chat(running.url, "shadowed-model")).status).toBe(200);
        expect(lastKey(upstream)).toBe("sk-stored-shadow-0005");
        await call(`${running.url}/credentials/shadowed`, "DELETE");
        expect((await chat(running.url, "shadowed-model")).status).toBe(200);
        expect(lastKey(upstream)).toBe(CONFIG_KEY);
      });

      it("keeps credentials across a restart: they are still listed and still decrypt", async () => {
        await call(`${running.url}/credentials`, "POST", {
          credential_name: "upstream",
          credential_values: upstreamCredential(),
        });
        await running.close();
        await store.close();
        store = backend.open();
        running = await startStoreGateway(yaml(upstream), { store, env });

        const read = await call(`${running.url}/credentials/by_name/upstream`, "GET");
        expect(read.body).toMatchObject({ credential_values: { api_key: "sk****01" } });
        expect((await chat(running.url, "stored-model")).status).toBe(200);
        expect(lastKey(upstream)).toBe(STORED_KEY);
      });

      it("keeps YAML models working when the database goes away, and answers credential writes with 503", async () => {
        await store.close();
        expect((await chat(running.url, "config-model")).status).toBe(200);
        // Stored credentials stay in memory: models using them keep working too.
        expect((await chat(running.url, "stored-model")).status).toBe(200);

        const write = await call(`${running.url}/credentials`, "POST", {
          credential_name: uniqueName("down"),
          credential_values: { api_key: "sk-while-down-00006" },
        });
        expect(write.status).toBe(503);
        expect(write.body).toMatchObject({
          error: { message: expect.stringContaining("cannot create credential") },
        });
        const client = createClient(CredentialService, createGrpcTransport({ baseUrl: running.url }));
        const failed = await client
          .listCredentials({}, { headers: { authorization: `Bearer ${MASTER_KEY}` } })
          .catch((error: unknown) => ConnectError.from(error));
        expect(failed).toMatchObject({ code: Code.Unavailable });
      });
    },
  );
}

describe("credentials without a database", () => {
  it("lists the config's credentials, and answers writes with UNAVAILABLE and a clear message", async () => {
    const upstream = await startFakeOpenAI();
    const running = await startStoreGateway(yaml(upstream), { env });
    try {
      const listed = await call(`${running.url}/credentials`, "GET");
      expect(listed.status).toBe(200);
      expect(listed.body).toMatchObject({
        credentials: [
          { credential_name: "from-config", source: "config" },
          { credential_name: "shadowed", source: "config" },
        ],
      });
      const answer = await call(`${running.url}/credentials`, "POST", {
        credential_name: "new-one",
        credential_values: { api_key: "sk-no-database-000" },
      });
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ error: { message: expect.stringContaining("needs a database") } });
      const configWrite = await call(`${running.url}/credentials/from-config`, "DELETE");
      expect(configWrite.body).toMatchObject({ error: { message: expect.stringContaining("test.yaml") } });
      expect((await chat(running.url, "config-model")).status).toBe(200);
    } finally {
      await running.close();
      await upstream.close();
    }
  });
});
