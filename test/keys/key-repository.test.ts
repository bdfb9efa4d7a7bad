import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeyCache } from "../../src/keys/key-cache.js";
import { tokenIdOf } from "../../src/keys/virtual-key.js";
import { createLogger } from "../../src/observability/logger.js";
import { KeyRepository, type NewVirtualKey } from "../../src/store/key-repository.js";
import { migrate } from "../../src/store/migrate.js";
import type { Store } from "../../src/store/store.js";
import { eventually, pgliteBackend, postgresBackend, type StoreBackend } from "./key-gateway.js";

const DAY_MS = 86_400_000;

for (const backend of [postgresBackend(), pgliteBackend()] as StoreBackend[]) {
  describe.skipIf(backend.skipReason !== undefined)(
    `the virtual_keys repository and the key cache on ${backend.name}`,
    { timeout: 60_000 },
    () => {
      let store: Store;
      let repository: KeyRepository;
      let cache: KeyCache;
      let counter = 0;

      beforeAll(async () => {
        await backend.setUp();
        store = backend.open();
        await migrate(store);
        repository = new KeyRepository(store);
        cache = new KeyCache({ repository, logger: createLogger("silent") });
        await cache.start();
      }, 60_000);
      afterAll(async () => {
        await cache?.stop();
        await store?.close();
        await backend.tearDown();
      });

      function newKey(settings: Partial<NewVirtualKey> = {}): NewVirtualKey {
        const value = `sk-repository-test-${++counter}`;
        return {
          tokenId: tokenIdOf(value),
          keyName: `sk-...${value.slice(-4)}`,
          models: [],
          metadata: {},
          blocked: false,
          ...settings,
        };
      }

      it("round-trips every setting, and clears a setting given null", async () => {
        const expiresAt = new Date(Date.now() + DAY_MS);
        const created = await repository.create(
          newKey({
            keyAlias: "full",
            models: ["gpt-test", "a2a/helper"],
            maxBudget: 12.5,
            budgetDuration: "1mo",
            budgetResetAt: expiresAt,
            rpmLimit: 9_007_199_254_740_991,
            tpmLimit: 1000,
            maxParallelRequests: 3,
            expiresAt,
            metadata: { role: "proxy_admin", nested: { a: [1] } },
          }),
        );
        expect(created).toMatchObject({
          keyAlias: "full",
          models: ["gpt-test", "a2a/helper"],
          maxBudget: 12.5,
          budgetDuration: "1mo",
          spend: 0,
          rpmLimit: 9_007_199_254_740_991,
          tpmLimit: 1000,
          maxParallelRequests: 3,
          metadata: { role: "proxy_admin", nested: { a: [1] } },
          blocked: false,
        });
        expect(created.expiresAt?.getTime()).toBe(expiresAt.getTime());
        expect(await repository.get(created.tokenId)).toEqual(created);

        const cleared = await repository.update(created.tokenId, {
          rpmLimit: null,
          keyAlias: null,
          expiresAt: null,
        });
        expect(cleared.rpmLimit).toBeUndefined();
        expect(cleared.keyAlias).toBeUndefined();
        expect(cleared.expiresAt).toBeUndefined();
        expect(cleared.tpmLimit).toBe(1000);
        await expect(repository.update("0".repeat(64), { blocked: true })).rejects.toMatchObject({
          code: Code.NotFound,
        });
      });

      it("adds spend to many keys in one call, summing repeats and skipping unknown keys; the cache follows", async () => {
        const first = await repository.create(newKey());
        const second = await repository.create(newKey());
        const charged = await repository.addSpend([
          { tokenId: first.tokenId, amount: 0.5 },
          { tokenId: second.tokenId, amount: 2 },
          { tokenId: first.tokenId, amount: 0.25 },
          { tokenId: "f".repeat(64), amount: 9 },
        ]);
        expect(charged.sort()).toEqual([first.tokenId, second.tokenId].sort());
        expect((await repository.get(first.tokenId))?.spend).toBe(0.75);
        expect((await repository.get(second.tokenId))?.spend).toBe(2);
        // Told by NOTIFY, never asked per request.
        await eventually(
          () => cache.get(first.tokenId)?.spend === 0.75 && cache.get(second.tokenId)?.spend === 2,
        );
        expect(await repository.addSpend([])).toEqual([]);
      });

      it("resets spend for keys whose budget period ended, the next reset one period later", async () => {
        const now = new Date("2030-01-31T12:00:00Z");
        const daily = await repository.create(
          newKey({ budgetDuration: "1d", budgetResetAt: new Date(now.getTime() - 1000) }),
        );
        const monthly = await repository.create(newKey({ budgetDuration: "1mo", budgetResetAt: now }));
        const later = await repository.create(
          newKey({ budgetDuration: "1h", budgetResetAt: new Date(now.getTime() + 1000) }),
        );
        const once = await repository.create(newKey());
        await repository.addSpend(
          [daily, monthly, later, once].map((key) => ({ tokenId: key.tokenId, amount: 1 })),
        );

        const reset = await repository.resetEndedBudgets(now);
        expect(reset).toContain(daily.tokenId);
        expect(reset).toContain(monthly.tokenId);
        expect(reset).not.toContain(later.tokenId);
        expect(reset).not.toContain(once.tokenId);

        const dailyAfter = await repository.get(daily.tokenId);
        expect(dailyAfter?.spend).toBe(0);
        expect(dailyAfter?.budgetResetAt?.getTime()).toBe(now.getTime() + DAY_MS);
        const monthlyAfter = await repository.get(monthly.tokenId);
        expect(monthlyAfter?.budgetResetAt?.toISOString()).toBe("2030-02-28T12:00:00.000Z");
        expect((await repository.get(later.tokenId))?.spend).toBe(1);
        expect((await repository.get(once.tokenId))?.spend).toBe(1);
        await eventually(() => cache.get(daily.tokenId)?.spend === 0);
        // Nothing is due twice.
        expect(await repository.resetEndedBudgets(now)).not.toContain(daily.tokenId);
      });

      it("moves a key to a new token id keeping settings and spend; the cache drops the old id", async () => {
        const old = await repository.create(newKey({ keyAlias: "moving", maxBudget: 4 }));
        await repository.addSpend([{ tokenId: old.tokenId, amount: 1.5 }]);
        await eventually(() => cache.get(old.tokenId)?.spend === 1.5);
        const newTokenId = tokenIdOf("sk-moved-to-here");
        const moved = await repository.replaceToken(old.tokenId, newTokenId, "sk-...here");
        expect(moved).toMatchObject({
          tokenId: newTokenId,
          keyName: "sk-...here",
          keyAlias: "moving",
          spend: 1.5,
        });
        expect(await repository.get(old.tokenId)).toBeUndefined();
        await eventually(() => cache.get(old.tokenId) === undefined && cache.get(newTokenId) !== undefined);
        await expect(repository.replaceToken(old.tokenId, tokenIdOf("sk-other"), "x")).rejects.toMatchObject({
          code: Code.NotFound,
        });
      });

      it("deletes all the keys given or none, and lists newest first by alias", async () => {
        const first = await repository.create(newKey({ keyAlias: "listed" }));
        const second = await repository.create(newKey({ keyAlias: "listed" }));
        expect((await repository.list({ keyAlias: "listed" })).map((key) => key.tokenId)).toEqual([
          second.tokenId,
          first.tokenId,
        ]);
        await expect(repository.delete([first.tokenId, "e".repeat(64)])).rejects.toMatchObject({
          code: Code.NotFound,
        });
        expect(await repository.get(first.tokenId)).toBeDefined();
        expect(await repository.delete([first.tokenId, second.tokenId, first.tokenId])).toEqual([
          first.tokenId,
          second.tokenId,
        ]);
        expect(await repository.list({ keyAlias: "listed" })).toEqual([]);
        await eventually(() => cache.get(first.tokenId) === undefined);
      });

      it("notifies in batches, so a spend flush for hundreds of keys reaches the cache", async () => {
        const keys = await Promise.all(Array.from({ length: 120 }, () => repository.create(newKey())));
        await repository.addSpend(keys.map((key) => ({ tokenId: key.tokenId, amount: 0.01 })));
        await eventually(() => keys.every((key) => cache.get(key.tokenId)?.spend === 0.01));
      });
    },
  );
}
