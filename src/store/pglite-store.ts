import { access, mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import type { Logger } from "../observability/logger.js";
import { lockDataDir } from "./data-dir-lock.js";
import type { NotificationListener, Queryable, Store, StoreHealth } from "./store.js";
import { storeUnavailable, toStoreError } from "./store-errors.js";

export interface PgliteStoreOptions {
  /** The `--data-dir`; the cluster lives in its `pgdata` folder. */
  dataDir: string;
  logger: Logger;
}

interface Opened {
  readonly database: PGlite;
  readonly unlock: () => Promise<void>;
}

/**
 * The embedded Postgres (PGlite, Postgres compiled to WebAssembly) in the
 * data directory, persisted across restarts. It is one connection in this
 * process: PGlite itself queues queries and runs transactions one at a time,
 * and LISTEN/NOTIFY works within the process, which is all a single replica needs.
 *
 * Opening is slow the first time (initdb, several seconds), so it happens on
 * first use and everything waits for it; `health()` does not wait.
 */
export class PgliteStore implements Store {
  readonly backend = "pglite";
  readonly #dataDir: string;
  readonly #logger: Logger;
  #opening: Promise<Opened> | undefined;
  #opened: Opened | undefined;
  #closed = false;

  constructor(options: PgliteStoreOptions) {
    this.#dataDir = options.dataDir;
    this.#logger = options.logger;
  }

  async query<Row extends object>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const { database } = await this.#open();
    try {
      return (await database.query<Row>(sql, params as unknown[])).rows;
    } catch (error) {
      throw toStoreError(error);
    }
  }

  async exec(sql: string): Promise<void> {
    const { database } = await this.#open();
    try {
      await database.exec(sql);
    } catch (error) {
      throw toStoreError(error);
    }
  }

  async transaction<T>(body: (transaction: Queryable) => Promise<T>): Promise<T> {
    const { database } = await this.#open();
    let bodyError: { error: unknown } | undefined;
    try {
      return await database.transaction(async (transaction) => {
        try {
          return await body(transactionQueryable(transaction));
        } catch (error) {
          bodyError = { error };
          throw error;
        }
      });
    } catch (error) {
      // The body's own error goes out as is; only PGlite's (begin, commit) are normalised.
      throw bodyError ? bodyError.error : toStoreError(error);
    }
  }

  async listen(channel: string, listener: NotificationListener): Promise<() => Promise<void>> {
    const { database } = await this.#open();
    const unlisten = await database.listen(channel, (payload) => listener(payload));
    return async () => {
      if (!database.closed) await unlisten();
    };
  }

  async health(): Promise<StoreHealth> {
    if (this.#closed) return "unavailable";
    if (!this.#opened) {
      // Still opening (or never asked to): say so now rather than hold a readiness probe for seconds.
      this.#open().catch(() => undefined);
      return "unavailable";
    }
    try {
      await this.#opened.database.query("select 1");
      return "connected";
    } catch {
      return "unavailable";
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const opened = this.#opened;
    this.#opened = undefined;
    // Still opening: that finishes by itself and closes (see #openDatabase); shutdown need not wait for initdb.
    if (!opened) return;
    await opened.database.close();
    await opened.unlock();
  }

  #open(): Promise<Opened> {
    if (this.#closed) return Promise.reject(storeUnavailable(undefined, "the store is closed"));
    if (this.#opened) return Promise.resolve(this.#opened);
    this.#opening ??= this.#openDatabase().then(
      (opened) => {
        this.#opened = opened;
        this.#opening = undefined;
        return opened;
      },
      (error: unknown) => {
        // The next call tries again (e.g. once the other process let go of the directory).
        this.#opening = undefined;
        const storeError = toStoreError(error);
        if (!this.#closed) {
          this.#logger.warn(
            { dataDir: this.#dataDir, err: storeError.rawMessage },
            "store: cannot open the embedded Postgres",
          );
        }
        throw storeError;
      },
    );
    return this.#opening;
  }

  async #openDatabase(): Promise<Opened> {
    await mkdir(this.#dataDir, { recursive: true });
    const unlock = await lockDataDir(this.#dataDir);
    try {
      const pgdata = join(this.#dataDir, "pgdata");
      if (!(await exists(join(pgdata, "PG_VERSION")))) await this.#initialize(pgdata);
      const database = await PGlite.create(pgdata);
      if (this.#closed) {
        await database.close();
        throw storeUnavailable(undefined, "the store is closed");
      }
      return { database, unlock };
    } catch (error) {
      await unlock();
      throw error;
    }
  }

  /**
   * initdb into a side folder, then rename: a process stopped half-way
   * leaves only a folder the next start deletes, never a broken cluster.
   */
  async #initialize(pgdata: string): Promise<void> {
    if (await exists(pgdata)) {
      throw storeUnavailable(undefined, `${pgdata} exists but is not a Postgres data directory`);
    }
    this.#logger.info({ dataDir: this.#dataDir }, "store: creating the embedded Postgres (first start only)");
    const initializing = join(this.#dataDir, "pgdata.initializing");
    await rm(initializing, { recursive: true, force: true });
    const database = await PGlite.create(initializing);
    await database.close();
    await rename(initializing, pgdata);
  }
}

function transactionQueryable(transaction: Transaction): Queryable {
  return {
    async query<Row extends object>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
      try {
        return (await transaction.query<Row>(sql, params as unknown[])).rows;
      } catch (error) {
        throw toStoreError(error);
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        await transaction.exec(sql);
      } catch (error) {
        throw toStoreError(error);
      }
    },
  };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
