import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeyRepository } from "../../src/store/key-repository.js";
import type { Store } from "../../src/store/store.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import {
  call,
  chatError,
  chatWith,
  eventually,
  type KeyGateway,
  keysYaml,
  pgliteBackend,
  postgresBackend,
  type StoreBackend,
  sha256,
  startKeyGateway,
  UPSTREAM_KEY,
} from "./key-gateway.js";

const DAY_MS = 86_400_000;

for (const backend of [postgresBackend(), pgliteBackend()] as StoreBackend[]) {
  describe.skipIf(backend.skipReason !== undefined)(
    `virtual keys over LiteLLM's /key routes on ${backend.name}`,
    { timeout: 60_000 },
    () => {
      let upstream: FakeOpenAI;
      let store: Store;
      let running: KeyGateway;
      let url: string;

      beforeAll(async () => {
        upstream = await startFakeOpenAI({ apiKey: UPSTREAM_KEY });
        await backend.setUp();
        store = backend.open();
        running = await startKeyGateway(keysYaml(upstream), { store });
        url = running.url;
      }, 60_000);
      afterAll(async () => {
        await running?.close();
        await store?.close();
        await upstream?.close();
        await backend.tearDown();
      });

      async function generate(
        body: Record<string, unknown> = {},
      ): Promise<{ key: string; token_id: string }> {
        const answer = await call(`${url}/key/generate`, "POST", body);
        expect(answer.status, answer.text).toBe(200);
        return answer.body;
      }

      it("generates a key shown once and stored only as its hash, which authenticates a chat completion", async () => {
        const before = Date.now();
        const generated = await call(`${url}/key/generate`, "POST", {
          key_alias: "team-a",
          models: ["gpt-test"],
          max_budget: 10,
          budget_duration: "30d",
          rpm_limit: 100,
          tpm_limit: 10_000,
          max_parallel_requests: 5,
          duration: "30d",
          metadata: { team: "a" },
          // LiteLLM fields Switchyard has no notion of are ignored.
          user_id: "someone",
          aliases: {},
        });
        expect(generated.status).toBe(200);
        const value: string = generated.body.key;
        expect(value).toMatch(/^sk-[A-Za-z0-9_-]{43}$/);
        expect(generated.body).toMatchObject({
          token_id: sha256(value),
          key_name: `sk-...${value.slice(-4)}`,
          key_alias: "team-a",
          models: ["gpt-test"],
          max_budget: 10,
          budget_duration: "30d",
          spend: 0,
          rpm_limit: 100,
          tpm_limit: 10_000,
          max_parallel_requests: 5,
          metadata: { team: "a" },
          blocked: false,
        });
        const expires = Date.parse(generated.body.expires);
        expect(expires).toBeGreaterThanOrEqual(before + 30 * DAY_MS);
        expect(expires).toBeLessThanOrEqual(Date.now() + 30 * DAY_MS);
        expect(Date.parse(generated.body.budget_reset_at)).toBeGreaterThanOrEqual(before + 30 * DAY_MS);

        const info = await call(`${url}/key/info?key=${value}`, "GET");
        expect(info.status).toBe(200);
        expect(info.body).toMatchObject({ key: sha256(value), info: { key_alias: "team-a", spend: 0 } });
        expect(info.text).not.toContain(value.slice(3));
        const listed = await call(`${url}/key/list?return_full_object=true`, "GET");
        expect(listed.text).not.toContain(value.slice(3));

        // The database holds the hash, never the value.
        const rows = await store.query("select * from virtual_keys");
        const stored = JSON.stringify(rows);
        expect(stored).toContain(sha256(value));
        expect(stored).not.toContain(value.slice(3));

        expect(await chatWith(url, value)).toBe("echo: hi");
        // The upstream sees the gateway's own key, never the caller's.
        expect(upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
      });

      it("reads and lists keys by value or token id, paged as LiteLLM pages", async () => {
        const first = await generate({ key_alias: "paged" });
        const second = await generate({ key_alias: "paged" });
        const byTokenId = await call(`${url}/key/info?key=${first.token_id}`, "GET");
        expect(byTokenId.body).toMatchObject({ key: first.token_id, info: { key_alias: "paged" } });

        const all = await call(`${url}/key/list`, "GET");
        expect(all.body.keys).toEqual(expect.arrayContaining([first.token_id, second.token_id]));
        const page = await call(`${url}/key/list?key_alias=paged&size=1&page=1`, "GET");
        // Newest first.
        expect(page.body).toEqual({
          keys: [second.token_id],
          total_count: 2,
          current_page: 1,
          total_pages: 2,
        });
        const full = await call(`${url}/key/list?key_hash=${first.token_id}&return_full_object=true`, "GET");
        expect(full.body.keys).toEqual([
          expect.objectContaining({ token: first.token_id, key_alias: "paged" }),
        ]);

        const badPage = await call(`${url}/key/list?size=500`, "GET");
        expect(badPage.status).toBe(400);
        expect(badPage.body.error).toMatchObject({ param: "size" });
        const missing = await call(`${url}/key/info?key=${"0".repeat(64)}`, "GET");
        expect(missing.status).toBe(404);
        expect(missing.body.error).toMatchObject({ code: "key_not_found" });
      });

      it("updates only the fields given; an empty alias or duration -1 clears them", async () => {
        const { key, token_id } = await generate({
          key_alias: "to-update",
          models: ["gpt-test"],
          max_budget: 3,
          duration: "1h",
        });
        const updated = await call(`${url}/key/update`, "POST", {
          key,
          rpm_limit: 7,
          metadata: { owner: "ops" },
          models: null,
        });
        expect(updated.status).toBe(200);
        expect(updated.body).toMatchObject({
          key: token_id,
          token: token_id,
          key_alias: "to-update",
          models: ["gpt-test"],
          max_budget: 3,
          rpm_limit: 7,
          metadata: { owner: "ops" },
        });
        expect(updated.body.expires).not.toBeNull();

        const cleared = await call(`${url}/key/update`, "POST", {
          key: token_id,
          key_alias: "",
          duration: "-1",
          models: [],
          budget_duration: "1mo",
        });
        expect(cleared.body).toMatchObject({
          key_alias: null,
          expires: null,
          models: [],
          budget_duration: "1mo",
        });
        expect(cleared.body.budget_reset_at).not.toBeNull();
        expect(await chatWith(url, key, "other-model")).toBe("echo: hi");
      });

      it("regenerates: the old value is refused at once, the new one works, settings and spend are kept", async () => {
        const { key: oldValue, token_id: oldTokenId } = await generate({
          key_alias: "rotating",
          max_budget: 5,
        });
        const repository = new KeyRepository(store);
        await repository.addSpend([{ tokenId: oldTokenId, amount: 1.25 }]);
        await eventually(() => running.gateway.keys.get(oldTokenId)?.spend === 1.25);

        const regenerated = await call(`${url}/key/${oldValue}/regenerate`, "POST");
        expect(regenerated.status, regenerated.text).toBe(200);
        const newValue: string = regenerated.body.key;
        expect(newValue).not.toBe(oldValue);
        expect(regenerated.body).toMatchObject({
          token_id: sha256(newValue),
          key_name: `sk-...${newValue.slice(-4)}`,
          key_alias: "rotating",
          max_budget: 5,
          spend: 1.25,
        });
        expect(await chatError(url, oldValue)).toMatchObject({
          status: 401,
          error: { code: "invalid_api_key" },
        });
        expect(await chatWith(url, newValue)).toBe("echo: hi");

        // LiteLLM's body form, with settings changed on the way.
        const again = await call(`${url}/key/regenerate`, "POST", { key: newValue, max_budget: 8 });
        expect(again.body).toMatchObject({ max_budget: 8, spend: 1.25, key_alias: "rotating" });
        expect(await chatError(url, newValue)).toMatchObject({ status: 401 });
        expect(await chatWith(url, again.body.key)).toBe("echo: hi");

        const refused = await call(`${url}/key/regenerate`, "POST", {
          key: again.body.key,
          new_key: "sk-mine",
        });
        expect(refused.status).toBe(400);
        expect(refused.body.error).toMatchObject({ param: "new_key" });
      });

      it("blocks and unblocks: a blocked key is refused with 401 and a message saying it is blocked", async () => {
        const { key, token_id } = await generate();
        const blocked = await call(`${url}/key/block`, "POST", { key });
        expect(blocked.status).toBe(200);
        expect(blocked.body).toMatchObject({ token: token_id, blocked: true });
        const refusal = await chatError(url, key);
        expect(refusal).toMatchObject({ status: 401, error: { code: "key_blocked" } });
        expect(refusal.error.message).toContain("Key is blocked");

        const unblocked = await call(`${url}/key/unblock`, "POST", { key: token_id });
        expect(unblocked.body).toMatchObject({ blocked: false });
        expect(await chatWith(url, key)).toBe("echo: hi");

        const createdBlocked = await generate({ blocked: true });
        expect(await chatError(url, createdBlocked.key)).toMatchObject({ status: 401 });
      });

      it("deletes by value, token id or alias; all or nothing; a deleted key gets 401", async () => {
        const first = await generate();
        const second = await generate({ key_alias: "doomed" });
        const partly = await call(`${url}/key/delete`, "POST", { keys: [first.key, "f".repeat(64)] });
        expect(partly.status).toBe(404);
        expect(await chatWith(url, first.key)).toBe("echo: hi");

        const deleted = await call(`${url}/key/delete`, "POST", { keys: [first.key] });
        expect(deleted.body).toEqual({ deleted_keys: [first.token_id] });
        expect(await chatError(url, first.key)).toMatchObject({
          status: 401,
          error: { code: "invalid_api_key" },
        });

        const byAlias = await call(`${url}/key/delete`, "POST", { key_aliases: ["doomed"] });
        expect(byAlias.body).toEqual({ deleted_keys: [second.token_id] });
        expect(await chatError(url, second.key)).toMatchObject({ status: 401 });
        expect((await call(`${url}/key/delete`, "POST", {})).status).toBe(400);
      });

      it.each([
        [{ max_budget: -1 }, "max_budget"],
        [{ rpm_limit: 0 }, "rpm_limit"],
        [{ tpm_limit: 1.5 }, "tpm_limit"],
        [{ max_parallel_requests: -2 }, "max_parallel_requests"],
        [{ models: ["gpt-test", ""] }, "models[1]"],
        [{ budget_duration: "30x" }, "budget_duration"],
        [{ duration: "soon" }, "duration"],
        [{ models: "gpt-test" }, "models"],
        [{ metadata: [] }, "metadata"],
        [{ key: "not-an-sk-key" }, "key"],
        [{ key: MASTER_KEY }, "key"],
        [{ model_max_budget: { "gpt-test": 1 } }, "model_max_budget"],
      ])("refuses %j with 400 naming %s", async (body, param) => {
        const refused = await call(`${url}/key/generate`, "POST", body);
        expect(refused.status).toBe(400);
        expect(refused.body.error).toMatchObject({ type: "invalid_request_error", param });
        expect(refused.text).not.toContain(MASTER_KEY);
      });

      it("answers as LiteLLM does: token on generate, null clears on update, any model names kept, 404 for an unknown key", async () => {
        const generated = await call(`${url}/key/generate`, "POST", {
          models: ["gpt-test", "azure-models", "openai/*", "bedrock/*"],
          rpm_limit: 10,
          max_budget: 5,
          max_parallel_requests: 0,
        });
        expect(generated.status).toBe(200);
        expect(generated.body.token).toBe(generated.body.token_id);
        expect(generated.body).toMatchObject({
          models: ["gpt-test", "azure-models", "openai/*", "bedrock/*"],
          max_parallel_requests: 0,
        });

        const updated = await call(`${url}/key/update`, "POST", {
          key: generated.body.key,
          rpm_limit: null,
          max_budget: null,
          max_parallel_requests: null,
          tpm_limit: 99,
        });
        expect(updated.status).toBe(200);
        const info = await call(`${url}/key/info?key=${generated.body.token_id}`, "GET");
        expect(info.body.info).toMatchObject({
          rpm_limit: null,
          max_budget: null,
          max_parallel_requests: null,
          tpm_limit: 99,
        });

        const unknown = await call(`${url}/key/info?key=sk-never-generated-anywhere`, "GET");
        expect(unknown.status).toBe(404);
        expect(unknown.body.error).toMatchObject({ code: "key_not_found" });
      });

      it("takes a POST without any body, as `curl -X POST` sends it, as an empty one", async () => {
        const { port } = new URL(url);
        const raw = await new Promise<string>((resolve, reject) => {
          const socket = connect(Number(port), "127.0.0.1", () => {
            // Not end(): a half-closed client may see its connection closed before the answer.
            socket.write(
              `POST /key/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${MASTER_KEY}\r\nConnection: close\r\n\r\n`,
            );
          });
          let text = "";
          socket.on("data", (chunk) => {
            text += chunk.toString("utf8");
          });
          socket.on("end", () => resolve(text));
          socket.on("error", reject);
        });
        expect(raw).toMatch(/^HTTP\/1\.1 200 /);
        expect(raw).toMatch(/"key":"sk-/);
      });

      it('accepts a chosen "sk-" value, and "*" for every model', async () => {
        const chosen = "sk-chosen-by-the-admin-0001";
        const generated = await call(`${url}/key/generate`, "POST", { key: chosen, models: ["*"] });
        expect(generated.body).toMatchObject({ key: chosen, token_id: sha256(chosen), models: [] });
        expect(await chatWith(url, chosen, "other-model")).toBe("echo: hi");
        const again = await call(`${url}/key/generate`, "POST", { key: chosen });
        expect(again.status).toBe(409);
      });

      it("lets only admins manage keys: a key with metadata.role proxy_admin may, any other key gets 403", async () => {
        const plain = await generate({ key_alias: "plain" });
        const refused = await call(`${url}/key/list`, "GET", undefined, plain.key);
        expect(refused.status).toBe(403);
        expect(refused.body.error.message).toContain('admin key (metadata.role "proxy_admin")');
        expect((await call(`${url}/key/generate`, "POST", {}, plain.key)).status).toBe(403);
        expect((await call(`${url}/credentials`, "GET", undefined, plain.key)).status).toBe(403);

        // LiteLLM lets a key read its own info.
        const own = await call(`${url}/key/info`, "GET", undefined, plain.key);
        expect(own.body).toMatchObject({ key: plain.token_id, info: { key_alias: "plain" } });
        const admin = await generate({ metadata: { role: "proxy_admin" } });
        expect(
          (await call(`${url}/key/info?key=${admin.token_id}`, "GET", undefined, plain.key)).status,
        ).toBe(403);

        const made = await call(`${url}/key/generate`, "POST", { key_alias: "by-admin" }, admin.key);
        expect(made.status).toBe(200);
        expect((await call(`${url}/key/list`, "GET", undefined, admin.key)).status).toBe(200);
        expect((await call(`${url}/credentials`, "GET", undefined, admin.key)).status).toBe(200);
        expect((await call(`${url}/key/list`, "GET", undefined, "sk-unknown")).status).toBe(401);
      });

      it("answers 405 for a wrong method and leaves other /key paths to the 404 handler", async () => {
        expect((await call(`${url}/key/generate`, "GET")).status).toBe(405);
        expect((await call(`${url}/key/list`, "POST", {})).status).toBe(405);
        expect((await call(`${url}/key/nothing-here`, "GET")).status).toBe(404);
      });
    },
  );
}
