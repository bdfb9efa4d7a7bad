import type { Logger } from "../observability/logger.js";
import type { KeyRepository } from "../store/key-repository.js";
import { StoredMirror } from "../store/stored-mirror.js";
import type { KeyLookup, VirtualKey } from "./virtual-key.js";

export interface KeyCacheOptions {
  /** Absent: the gateway runs without a database, and there are no keys. */
  readonly repository?: Pick<KeyRepository, "getMany" | "list" | "onKeysChanged">;
  readonly logger: Logger;
}

/**
 * Every virtual key, in memory, by token id (a StoredMirror): authentication
 * and limits read a Map, never the database. A NOTIFY names the keys a write
 * touched (settings, blocks, deletions, spend). If the database becomes
 * unreachable, what was loaded keeps serving; when the listener comes back,
 * everything is re-read.
 */
export class KeyCache implements KeyLookup {
  readonly #keys: StoredMirror<readonly string[], VirtualKey, VirtualKey>;

  constructor(options: KeyCacheOptions) {
    const { repository, logger } = options;
    this.#keys = new StoredMirror({
      source: repository && {
        listen: (onChange) => repository.onKeysChanged(onChange),
        readAll: () => repository.list(),
        readSome: (tokenIds) => repository.getMany(tokenIds),
      },
      idsOf: (tokenIds) => tokenIds,
      idOf: (key) => key.tokenId,
      admit: (key) => key,
      entity: "keys",
      // Token ids are not secrets, but a count says enough.
      logFields: (tokenIds) => ({ keys: tokenIds?.length ?? "all" }),
      logger,
    });
  }

  get(tokenId: string): VirtualKey | undefined {
    return this.#keys.get(tokenId);
  }

  /** False until the stored keys were read once (true at once without a database). */
  get loaded(): boolean {
    return this.#keys.loaded;
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
  start(): Promise<void> {
    return this.#keys.start();
  }

  /** Re-reads some keys, or all of them (`undefined`). Failures keep what was held and warn. */
  reload(tokenIds: readonly string[] | undefined): Promise<void> {
    return this.#keys.reload(tokenIds);
  }

  stop(): Promise<void> {
    return this.#keys.stop();
  }
}
