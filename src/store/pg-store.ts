import pg from "pg";
import type { Logger } from "../observability/logger.js";
import { probeHealth } from "./health-probe.js";
import { PgListener } from "./pg-listener.js";
import type { NotificationListener, Queryable, Store, StoreHealth } from "./store.js";
import { isConnectionError, storeUnavailable, toStoreError } from "./store-errors.js";

export interface PgStoreOptions {
  /** May hold a password: only ever handed to `pg`, never logged or put in an error. */
  connectionString: string;
  poolSize: number;
  connectTimeoutMs: number;
  schema?: string | undefined;
  logger: Logger;
}

/**
 * A real Postgres through a `pg` Pool. The pool is the reconnect: a dropped
 * connection is discarded (its error event handled, so it cannot crash the
 * process) and the next checkout opens a new one.
 */
export class PgStore implements Store {
  readonly backend = "postgres";
  readonly #pool: pg.Pool;
  readonly #listener: PgListener;
  readonly #logger: Logger;
  #closed = false;

  constructor(options: PgStoreOptions) {
    this.#logger = options.logger;
    const config: pg.PoolConfig = {
      connectionString: options.connectionString,
      max: options.poolSize,
      connectionTimeoutMillis: options.connectTimeoutMs,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      // Set per connection at start-up, so every pooled client sees the same schema.
      ...(options.schema !== undefined && { options: `-c search_path=${checkSchema(options.schema)}` }),
    };
    this.#pool = new pg.Pool(config);
    // An idle client whose server went away emits here; without a handler node would crash.
    this.#pool.on("error", (error) => {
      this.#logger.warn(
        { code: errorCode(error) },
        "store: an idle Postgres connection failed; it will be replaced",
      );
    });
    this.#listener = new PgListener({ config, logger: options.logger });
  }

  async query<Row extends object>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    this.#assertOpen();
    try {
      const result = await this.#pool.query<Row>(sql, params as unknown[]);
      return result.rows;
    } catch (error) {
      throw toStoreError(error);
    }
  }

  async exec(sql: string): Promise<void> {
    this.#assertOpen();
    try {
      // No parameters: pg uses the simple protocol, which runs several statements.
      await this.#pool.query(sql);
    } catch (error) {
      throw toStoreError(error);
    }
  }

  async transaction<T>(body: (transaction: Queryable) => Promise<T>): Promise<T> {
    this.#assertOpen();
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw toStoreError(error);
    }
    // Set when the connection failed: such a client must not go back to the pool.
    let broken: Error | undefined;
    // A checked-out client has no pool listener: a session the server ends between two queries
    // (pg_terminate_backend, a failover, a pooler restart) would otherwise be an unhandled 'error'.
    const onConnectionError = (error: Error) => {
      if (!broken) {
        this.#logger.warn(
          { code: errorCode(error) },
          "store: a Postgres session in a transaction was lost; it will be replaced",
        );
      }
      broken = error;
    };
    client.on("error", onConnectionError);
    const run = async (sql: string) => {
      try {
        await client.query(sql);
      } catch (error) {
        if (isConnectionError(error))
          broken = error instanceof Error ? error : new Error("connection failed");
        throw toStoreError(error);
      }
    };
    try {
      await run("begin");
      let result: T;
      try {
        result = await body(clientQueryable(client, (error) => (broken = error)));
      } catch (error) {
        // The body's own error wins over a failed rollback, which only matters for the connection.
        if (!broken) await run("rollback").catch(() => undefined);
        throw error;
      }
      await run("commit");
      return result;
    } finally {
      client.off("error", onConnectionError);
      // A discarded client may still report its socket closing; nobody else listens any more.
      if (broken) client.on("error", ignoreError);
      client.release(broken);
    }
  }

  listen(channel: string, listener: NotificationListener): Promise<() => Promise<void>> {
    this.#assertOpen();
    return this.#listener.listen(channel, listener);
  }

  async health(): Promise<StoreHealth> {
    if (this.#closed) return "unavailable";
    return probeHealth(() => this.#pool.query("select 1"));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([this.#listener.close(), this.#pool.end()]);
  }

  #assertOpen(): void {
    if (this.#closed) throw storeUnavailable(undefined, "the store is closed");
  }
}

/** A transaction's client, with errors normalised like the store's own. */
function clientQueryable(client: pg.PoolClient, onBroken: (error: Error) => void): Queryable {
  const fail = (error: unknown): never => {
    if (isConnectionError(error)) onBroken(error instanceof Error ? error : new Error("connection failed"));
    throw toStoreError(error);
  };
  return {
    async query<Row extends object>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
      try {
        return (await client.query<Row>(sql, params as unknown[])).rows;
      } catch (error) {
        return fail(error);
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        await client.query(sql);
      } catch (error) {
        fail(error);
      }
    },
  };
}

function ignoreError(): void {}

/** Schema names go into a connection start-up option unquoted, so only plain identifiers are allowed. */
const plainIdentifier = /^[a-z_][a-z0-9_]{0,62}$/;

function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : undefined;
}

function checkSchema(schema: string): string {
  if (!plainIdentifier.test(schema))
    throw new Error(`store: schema must be a plain lower-case identifier, got "${schema}"`);
  return schema;
}
