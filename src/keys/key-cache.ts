import { GatewayError } from "../errors/gateway-error.js";
import type { Logger } from "../observability/logger.js";
import type { KeyRepository } from "../store/key-repository.js";
import type { KeyLookup, VirtualKey } from "./virtual-key.js";

export interface KeyCacheOptions {
  /** Absent: the gateway runs without a database, and there are no keys. */
  readonly repository?: Pick<KeyRepository, "getMany" | "list" | "onKeysChanged">;
  readonly logger: Logger;
}

/**
 * Every virtual key, in memory, by token id: authentication and limits read
 * a Map, never the database. Keys are read at start and re-read when any
 * replica changes one (the repository's LISTEN/NOTIFY: settings, blocks,
 * deletions, spend), so a change reaches new requests on every replica
 * without a restart. If the database becomes unreachable, what was loaded
 * keeps serving; when the listener comes back, everything is re-read.
 */
export class KeyCache implements KeyLookup {
  readonly #options: KeyCacheOptions;
  #keys = new Map<string, VirtualKey>();
  #loaded: boolean;
  /** Reloads run one at a time, so an older read never overwrites a newer one. */
  #queue: Promise<void> = Promise.resolve();
  #unsubscribe: (() => Promise<void>) | undefined;
  #stopped = false;

  constructor(options: KeyCacheOptions) {
    this.#options = options;
    this.#loaded = options.repository === undefined;
  }

  get(tokenId: string): VirtualKey | undefined {
    return this.#keys.get(tokenId);
  }

  /** False until the stored keys were read once (true at once without a database). */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** How many keys are held. */
  get size(): number {
    return this.#keys.size;
  }

  /**
   * Listens for changes, then reads every key. Resolves once they are
   * loaded; while the database is unreachable it stays pending (the listener
   * waits for it).
   */
  async start(): Promise<void> {
    const repository = this.#options.repository;
    if (!repository) return;
    const unsubscribe = await repository.onKeysChanged((tokenIds) => void this.reload(tokenIds));
    if (this.#stopped) {
      await unsubscribe();
      return;
    }
    this.#unsubscribe = unsubscribe;
    await this.reload(undefined);
  }

  /** Re-reads some keys, or all of them (`undefined`). Failures keep what was held and warn. */
  reload(tokenIds: readonly string[] | undefined): Promise<void> {
    const next = this.#queue.then(() => this.#reload(tokenIds));
    this.#queue = next.catch(() => {});
    return next;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#unsubscribe?.().catch(() => {});
  }

  async #reload(tokenIds: readonly string[] | undefined): Promise<void> {
    const repository = this.#options.repository;
    if (!repository || this.#stopped) return;
    try {
      if (tokenIds === undefined) {
        const keys = await repository.list();
        // A new Map swapped in whole: readers never see a half-filled one.
        this.#keys = new Map(keys.map((key) => [key.tokenId, key]));
        this.#loaded = true;
      } else {
        const keys = await repository.getMany(tokenIds);
        for (const tokenId of tokenIds) this.#keys.delete(tokenId);
        for (const key of keys) this.#keys.set(key.tokenId, key);
      }
    } catch (error) {
      // A store error's message names no host or secret; token ids are not secrets.
      this.#options.logger.warn(
        { keys: tokenIds?.length ?? "all", err: GatewayError.from(error).rawMessage },
        "keys: could not reload from the database; keeping what was loaded",
      );
    }
  }
}
