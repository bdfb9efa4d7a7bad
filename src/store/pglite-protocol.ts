/**
 * The messages between the gateway's thread and the PGlite worker
 * (src/store/pglite-worker.ts). Everything is structured-cloned: rows keep
 * their Dates and parsed JSON, errors travel as plain fields.
 */

/** What the worker is started with (`workerData`). */
export interface PgliteWorkerData {
  /** The cluster's folder (`<data-dir>/pgdata`); created through a side folder when missing. */
  readonly pgdata: string;
}

export type PgliteRequest =
  | {
      readonly id: number;
      readonly kind: "query";
      readonly sql: string;
      readonly params: readonly unknown[];
      readonly transaction?: number;
    }
  | { readonly id: number; readonly kind: "exec"; readonly sql: string; readonly transaction?: number }
  /** Opens a transaction; the answer's `transaction` names it in later requests. */
  | { readonly id: number; readonly kind: "begin" }
  | { readonly id: number; readonly kind: "commit" | "rollback"; readonly transaction: number }
  | { readonly id: number; readonly kind: "listen" | "unlisten"; readonly channel: string }
  | { readonly id: number; readonly kind: "close" };

/** A driver error, as far as callers look at it: the SQLSTATE decides what it means. */
export interface PgliteErrorFields {
  readonly message: string;
  readonly code?: string;
}

export type PgliteResponse =
  /** The database is open and answers. */
  | { readonly kind: "ready" }
  /** Opening failed; the worker exits after this. */
  | { readonly kind: "failed"; readonly error: PgliteErrorFields }
  | { readonly kind: "result"; readonly id: number; readonly rows?: unknown[]; readonly transaction?: number }
  | { readonly kind: "error"; readonly id: number; readonly error: PgliteErrorFields }
  | { readonly kind: "notification"; readonly channel: string; readonly payload: string };
