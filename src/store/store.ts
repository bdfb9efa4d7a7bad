/**
 * What a query or a transaction body can run. Rows come back as JavaScript
 * values on both backends: jsonb as parsed JSON, timestamptz as Date. Pass
 * jsonb parameters as JSON text with a `$n::jsonb` cast, so neither driver
 * guesses (pg would turn a JavaScript array into a Postgres array).
 */
export interface Queryable {
  /** One statement with `$1…$n` parameters. */
  query<Row extends object = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<Row[]>;
  /** A script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/** Whether the store answered a trivial query just now; readiness reports it as `db`. */
export type StoreHealth = "connected" | "unavailable";

/**
 * Called with a NOTIFY payload, or with `undefined` after the listening
 * connection came back from an outage: notifications sent meanwhile are lost,
 * so listeners should reload whatever they cache.
 */
export type NotificationListener = (payload: string | undefined) => void;

/**
 * The gateway's one store: the same SQL runs on a real Postgres (`pg`) and on
 * the embedded one (PGlite), so nothing above this interface knows which.
 *
 * Errors are GatewayErrors: connection trouble is Unavailable (503, retryable)
 * with a message that never holds the connection string; anything else is
 * Internal with the driver's error as `cause`, for logs only.
 */
export interface Store extends Queryable {
  readonly backend: "postgres" | "pglite";
  /**
   * Runs `body` in one transaction: committed when it resolves, rolled back
   * when it throws (the error is rethrown). Use the handle it gets, not the
   * store: PGlite has one connection, so a store query inside the body would
   * wait for the transaction to end.
   */
  transaction<T>(body: (transaction: Queryable) => Promise<T>): Promise<T>;
  /**
   * LISTENs on `channel`; resolves with an unsubscribe function once the
   * listener is active. On Postgres a dedicated connection listens and
   * re-LISTENs by itself after an outage; while the database is unreachable
   * the promise stays pending until it is back.
   */
  listen(channel: string, listener: NotificationListener): Promise<() => Promise<void>>;
  health(): Promise<StoreHealth>;
  /** Releases connections (or closes the embedded database); later calls fail with Unavailable. */
  close(): Promise<void>;
}
