import type { CacheStore } from "./cache-store.js";

export interface LocalCacheStoreOptions {
  readonly maxEntries: number;
  readonly maxBytes: number;
  /** Entries without a ttl of their own live this long, seconds (LiteLLM's in-memory default: 600). */
  readonly defaultTtlSeconds?: number;
  /** Clock, ms; tests drive it. */
  readonly now?: () => number;
}

interface Entry {
  readonly value: Uint8Array;
  readonly expiresAt: number;
}

/** Bytes an entry is charged beyond its value: the key and the Map's own bookkeeping, roughly. */
const ENTRY_OVERHEAD_BYTES = 64;

/**
 * The in-process cache: least recently used first out, bounded both in
 * entries and in bytes (a Map keeps insertion order, so re-inserting on
 * read makes its first key the least recently used).
 */
export class LocalCacheStore implements CacheStore {
  readonly type = "local";
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #defaultTtlMs: number;
  readonly #now: () => number;
  #bytes = 0;

  constructor(options: LocalCacheStoreOptions) {
    this.#maxEntries = options.maxEntries;
    this.#maxBytes = options.maxBytes;
    this.#defaultTtlMs = (options.defaultTtlSeconds ?? 600) * 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Bytes held now (values, keys and a fixed overhead per entry). */
  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= this.#now()) {
      this.#bytes -= sizeOf(key, entry.value);
      return undefined;
    }
    this.#entries.set(key, entry);
    return entry.value;
  }

  async set(key: string, value: Uint8Array, ttlSeconds: number | undefined): Promise<void> {
    const size = sizeOf(key, value);
    this.#remove(key);
    // An answer larger than the whole cache is not kept, rather than emptying the cache for it.
    if (size > this.#maxBytes) return;
    const ttlMs = ttlSeconds === undefined ? this.#defaultTtlMs : ttlSeconds * 1000;
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs });
    this.#bytes += size;
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.#maxBytes && this.#entries.size <= this.#maxEntries) break;
      this.#entries.delete(oldest);
      this.#bytes -= sizeOf(oldest, entry.value);
    }
  }

  async delete(keys: readonly string[]): Promise<number> {
    let deleted = 0;
    for (const key of keys) if (this.#remove(key)) deleted++;
    return deleted;
  }

  async flush(): Promise<void> {
    this.#entries.clear();
    this.#bytes = 0;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    await this.flush();
  }

  #remove(key: string): boolean {
    const entry = this.#entries.get(key);
    if (!entry) return false;
    this.#entries.delete(key);
    this.#bytes -= sizeOf(key, entry.value);
    return true;
  }
}

function sizeOf(key: string, value: Uint8Array): number {
  return key.length * 2 + value.byteLength + ENTRY_OVERHEAD_BYTES;
}
