import type { Logger } from "../observability/logger.js";
import { PgStore } from "./pg-store.js";
import { PgliteStore } from "./pglite-store.js";
import type { Store } from "./store.js";

export interface StoreOptions {
  /** `postgres://…`: use that server. Absent: the embedded Postgres in `dataDir`. May hold a password: never logged. */
  databaseUrl?: string;
  /** Where the embedded Postgres keeps its files (`--data-dir`). */
  dataDir: string;
  /** Most connections the pool opens (Postgres only); default 10. */
  poolSize?: number;
  /** How long opening a Postgres connection may take before the store reports Unavailable; default 5 s. */
  connectTimeoutMs?: number;
  /** Postgres schema to use (search_path) instead of the default one; for tests and shared databases. */
  schema?: string;
  logger: Logger;
}

/** Picks the backend from `databaseUrl`. Opens lazily: nothing connects until the first call. */
export function createStore(options: StoreOptions): Store {
  if (options.databaseUrl) {
    return new PgStore({
      connectionString: options.databaseUrl,
      poolSize: options.poolSize ?? 10,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      schema: options.schema,
      logger: options.logger,
    });
  }
  return new PgliteStore({ dataDir: options.dataDir, logger: options.logger });
}
