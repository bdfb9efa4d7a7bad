import { toJsonString } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetKeyResponseSchema, KeyService, ListKeysResponseSchema } from "../../gen/switchyard/v1/key_pb.js";
import type { Store } from "../../src/store/store.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import {
  chatError,
  chatWith,
  type KeyGateway,
  keysYaml,
  pgliteBackend,
  postgresBackend,
  type StoreBackend,
  sha256,
  startKeyGateway,
  UPSTREAM_KEY,
} from "./key-gateway.js";

const admin = { headers: { authorization: `Bearer ${MASTER_KEY}` } };

function failure(promise: Promise<unknown>): Promise<ConnectError> {
  return promise.then(
    () => {
      throw new Error("the call succeeded");
    },
    (error: unknown) => ConnectError.from(error),
  );
}

for (const backend of [postgresBackend(), pgliteBackend()] as StoreBackend[]) {
  describe.skipIf(backend.skipReason !== undefined)(
    `KeyService over gRPC and Connect on ${backend.name}`,
    { timeout: 60_000 },
    () => {
      let upstream: FakeOpenAI;
      let store: Store;
      let running: KeyGateway;

      beforeAll(async () => {
        upstream = await startFakeOpenAI({ apiKey: UPSTREAM_KEY });
        await backend.setUp();
        store = backend.open();
        running = await startKeyGateway(keysYaml(upstream), { store });
      }, 60_000);
      afterAll(async () => {
        await running?.close();
        await store?.close();
        await upstream?.close();
        await backend.tearDown();
      });

      const grpc = () => createClient(KeyService, createGrpcTransport({ baseUrl: running.url }));

      it("generates, reads, updates, regenerates, blocks, unblocks and deletes a key over gRPC", async () => {
        const client = grpc();
        const generated = await client.generateKey(
          {
            keyAlias: "rpc-key",
            models: ["gpt-test"],
            maxBudget: 5,
            rpmLimit: 10n,
            duration: "1h",
            metadata: { team: "rpc" },
          },
          admin,
        );
        const value = generated.key;
        expect(value).toMatch(/^sk-/);
        const tokenId = sha256(value);
        expect(generated.info).toMatchObject({
          tokenId,
          keyName: `sk-...${value.slice(-4)}`,
          keyAlias: "rpc-key",
          models: ["gpt-test"],
          maxBudget: 5,
          rpmLimit: 10n,
          spend: 0,
          metadata: { team: "rpc" },
          blocked: false,
        });
        const expires = timestampDate(generated.info!.expireTime!).getTime();
        expect(expires - Date.now()).toBeGreaterThan(59 * 60_000);
        expect(await chatWith(running.url, value)).toBe("echo: hi");

        // Shown once: reads never carry the value.
        const got = await client.getKey({ key: value }, admin);
        expect(got.info?.tokenId).toBe(tokenId);
        expect(toJsonString(GetKeyResponseSchema, got)).not.toContain(value.slice(3));
        const listed = await client.listKeys({ keyAlias: "rpc-key" }, admin);
        expect(listed.keys.map((key) => key.tokenId)).toEqual([tokenId]);
        expect(toJsonString(ListKeysResponseSchema, listed)).not.toContain(value.slice(3));

        // Presence: only what is set changes; an empty model list means all models.
        const updated = await client.updateKey(
          { key: tokenId, rpmLimit: 20n, models: { models: [] }, keyAlias: "" },
          admin,
        );
        expect(updated.info).toMatchObject({ rpmLimit: 20n, models: [], keyAlias: "", maxBudget: 5 });
        expect(updated.info?.metadata).toEqual({ team: "rpc" });
        expect(await chatWith(running.url, value, "other-model")).toBe("echo: hi");

        const regenerated = await client.regenerateKey({ key: value }, admin);
        expect(regenerated.info?.tokenId).toBe(sha256(regenerated.key));
        expect(regenerated.info).toMatchObject({ rpmLimit: 20n, maxBudget: 5 });
        expect(await chatError(running.url, value)).toMatchObject({ status: 401 });
        const current = regenerated.key;
        expect(await chatWith(running.url, current)).toBe("echo: hi");

        expect((await client.blockKey({ key: current }, admin)).info?.blocked).toBe(true);
        expect(await chatError(running.url, current)).toMatchObject({
          status: 401,
          error: { code: "key_blocked" },
        });
        expect((await client.unblockKey({ key: current }, admin)).info?.blocked).toBe(false);
        expect(await chatWith(running.url, current)).toBe("echo: hi");

        const deleted = await client.deleteKey({ keys: [current] }, admin);
        expect(deleted.deletedTokenIds).toEqual([sha256(current)]);
        expect(await failure(client.getKey({ key: current }, admin))).toMatchObject({ code: Code.NotFound });
        expect(await chatError(running.url, current)).toMatchObject({ status: 401 });
      });

      it("works over the Connect protocol with JSON too", async () => {
        const client = createClient(
          KeyService,
          createConnectTransport({ baseUrl: running.url, httpVersion: "1.1", useBinaryFormat: false }),
        );
        const generated = await client.generateKey({ budgetDuration: "1w", maxBudget: 0 }, admin);
        expect(generated.info).toMatchObject({ budgetDuration: "1w", maxBudget: 0 });
        const deleted = await client.deleteKey({ keys: [generated.info!.tokenId] }, admin);
        expect(deleted.deletedTokenIds).toEqual([generated.info!.tokenId]);
      });

      it("answers INVALID_ARGUMENT naming the field for bad settings and bad key names", async () => {
        const client = grpc();
        const cases: Array<[Promise<unknown>, string]> = [
          [client.generateKey({ maxBudget: -0.01 }, admin), "max_budget"],
          [client.generateKey({ tpmLimit: 0n }, admin), "tpm_limit"],
          [client.generateKey({ budgetDuration: "1 day" }, admin), "budget_duration"],
          [client.generateKey({ models: ["x".repeat(300)] }, admin), "models[0]"],
          [client.updateKey({ key: "sk-whatever", clearFields: ["models"] }, admin), "clear_fields"],
          [
            client.updateKey({ key: "sk-whatever", rpmLimit: 5n, clearFields: ["rpm_limit"] }, admin),
            "rpm_limit",
          ],
          [client.updateKey({ key: "nonsense", rpmLimit: 1n }, admin), "key"],
          [client.updateKey({ key: "sk-whatever", duration: "0s" }, admin), "duration"],
          [client.deleteKey({ keys: [] }, admin), "keys"],
          [client.getKey({ key: "" }, admin), "key"],
        ];
        for (const [call, field] of cases) {
          const error = await failure(call);
          expect(error.code, field).toBe(Code.InvalidArgument);
          expect(error.rawMessage).toContain(field);
        }
        expect(await failure(client.updateKey({ key: "sk-never-generated" }, admin))).toMatchObject({
          code: Code.NotFound,
        });
      });

      it("answers PERMISSION_DENIED to a key that is not an admin key, UNAUTHENTICATED to no key", async () => {
        const client = grpc();
        const plain = await client.generateKey({}, admin);
        const asPlain = { headers: { authorization: `Bearer ${plain.key}` } };
        expect(await failure(client.listKeys({}, asPlain))).toMatchObject({ code: Code.PermissionDenied });
        expect(await failure(client.generateKey({}, asPlain))).toMatchObject({ code: Code.PermissionDenied });
        expect(await failure(client.listKeys({}))).toMatchObject({ code: Code.Unauthenticated });
        // A key may read itself.
        expect((await client.getKey({ key: plain.key }, asPlain)).info?.tokenId).toBe(sha256(plain.key));

        const adminKey = await client.generateKey({ metadata: { role: "proxy_admin" } }, admin);
        const asAdmin = { headers: { authorization: `Bearer ${adminKey.key}` } };
        expect((await client.listKeys({}, asAdmin)).keys.length).toBeGreaterThanOrEqual(2);
        await client.blockKey({ key: plain.key }, asAdmin);
        expect(await failure(client.getKey({ key: plain.key }, asPlain))).toMatchObject({
          code: Code.Unauthenticated,
        });
      });
    },
  );
}
