import { describe, expect, it } from "vitest";
import { LocalCacheStore } from "../../src/cache/local-cache-store.js";

const bytes = (size: number) => new Uint8Array(size);

/** The in-process cache stays within its bounds, dropping the least recently used first. */
describe("the local cache store", () => {
  it("holds at most max_bytes, evicting the least recently used entry", async () => {
    const store = new LocalCacheStore({ maxEntries: 1000, maxBytes: 3000 });
    await store.set("a", bytes(900), undefined);
    await store.set("b", bytes(900), undefined);
    await store.set("c", bytes(900), undefined);
    // Reading "a" makes "b" the least recently used.
    expect(await store.get("a")).toBeDefined();
    await store.set("d", bytes(900), undefined);
    expect(await store.get("b")).toBeUndefined();
    expect(await store.get("a")).toBeDefined();
    expect(await store.get("d")).toBeDefined();
    expect(store.bytes).toBeLessThanOrEqual(3000);
  });

  it("holds at most max_size_in_memory entries", async () => {
    const store = new LocalCacheStore({ maxEntries: 2, maxBytes: 1_000_000 });
    for (const key of ["a", "b", "c"]) await store.set(key, bytes(1), undefined);
    expect(store.size).toBe(2);
    expect(await store.get("a")).toBeUndefined();
  });

  it("does not keep an answer larger than the whole cache, nor empty the cache for it", async () => {
    const store = new LocalCacheStore({ maxEntries: 10, maxBytes: 1000 });
    await store.set("small", bytes(100), undefined);
    await store.set("huge", bytes(5000), undefined);
    expect(await store.get("huge")).toBeUndefined();
    expect(await store.get("small")).toBeDefined();
  });

  it("expires entries after their ttl, or the default one", async () => {
    let now = 0;
    const store = new LocalCacheStore({
      maxEntries: 10,
      maxBytes: 10_000,
      defaultTtlSeconds: 600,
      now: () => now,
    });
    await store.set("short", bytes(1), 1);
    await store.set("default", bytes(1), undefined);
    now = 1500;
    expect(await store.get("short")).toBeUndefined();
    expect(await store.get("default")).toBeDefined();
    now = 601_000;
    expect(await store.get("default")).toBeUndefined();
    expect(store.bytes).toBe(0);
  });
});
