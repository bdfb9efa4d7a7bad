/**
 * Where cached answers live: this process (LocalCacheStore) or Redis,
 * shared by replicas (RedisCacheStore). Keys are the logical cache keys
 * (`[namespace:]sha256`); values are opaque bytes. No method throws: a
 * store that cannot answer is a miss, and a write it cannot make is lost.
 */
export interface CacheStore {
  get(key: string): Promise<Uint8Array | undefined>;
  /** `ttlSeconds` undefined: the store's default (local) or none (Redis). */
  set(key: string, value: Uint8Array, ttlSeconds: number | undefined): Promise<void>;
  /** Removes the keys; resolves with how many were there. */
  delete(keys: readonly string[]): Promise<number>;
  /** Removes every cached answer (only the cache's own keys). */
  flush(): Promise<void>;
  /** Throws with a reason when the store cannot be used now (for /cache/ping). */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** "local" or "redis", as /cache/ping reports it. */
  readonly type: "local" | "redis";
}
