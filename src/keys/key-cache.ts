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
export class KeyCache extends StoredMirror<readonly string[], VirtualKey, VirtualKey> implements KeyLookup {
  constructor({ repository, logger }: KeyCacheOptions) {
    super({
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
}
