import { execFile } from "node:child_process";
import { access, rename, rm } from "node:fs/promises";
import { setPriority } from "node:os";
import { promisify } from "node:util";
import { setFlagsFromString } from "node:v8";
import { parentPort, workerData } from "node:worker_threads";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import type {
  PgliteErrorFields,
  PgliteRequest,
  PgliteResponse,
  PgliteWorkerData,
} from "./pglite-protocol.js";
import { pgliteSettings } from "./pglite-settings.js";
import { pgliteInitdbArgs } from "./pglite-worker-url.js";

/**
 * The thread that owns the embedded Postgres. PGlite is Postgres compiled to
 * WebAssembly and runs synchronously: initdb, migrations and every statement
 * would stop the gateway's event loop for as long as they take. Here they stop
 * only this thread; the gateway sends requests (src/store/pglite-store.ts) and
 * awaits answers. PGlite's own mutex runs one statement or one transaction at
 * a time, so a transaction's statements never interleave with anyone else's.
 */

const port = parentPort;
if (!port) throw new Error("pglite-worker runs as a worker thread");
const { pgdata } = workerData as PgliteWorkerData;

function send(message: PgliteResponse): void {
  port!.postMessage(message);
}

function errorFields(error: unknown): PgliteErrorFields {
  const code = (error as { code?: unknown } | null)?.code;
  return {
    message: error instanceof Error ? error.message : String(error),
    ...(typeof code === "string" && { code }),
  };
}

/** An open transaction: its handle, and how to end the callback PGlite holds its lock for. */
interface OpenTransaction {
  readonly handle: Transaction;
  readonly end: (commit: boolean) => void;
  /** Settles once PGlite has committed or rolled back. */
  readonly ended: Promise<void>;
}

const transactions = new Map<number, OpenTransaction>();
let nextTransaction = 1;
const listening = new Map<string, () => Promise<void>>();

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * initdb into a side folder, then rename: a process stopped half-way leaves
 * only a folder the next start deletes, never a half-made cluster. initdb runs
 * in a child process, which returns all of its memory when it exits.
 */
async function initialize(): Promise<void> {
  if (await exists(pgdata)) {
    throw Object.assign(new Error(`${pgdata} exists but holds no Postgres cluster (no PG_VERSION)`), {
      code: "SWITCHYARD_NOT_A_CLUSTER",
    });
  }
  const initializing = `${pgdata}.initializing`;
  await rm(initializing, { recursive: true, force: true });
  try {
    await promisify(execFile)(process.execPath, [LIFTOFF_ONLY, ...pgliteInitdbArgs(), initializing], {
      maxBuffer: 64 * 1024,
    });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? "").trim();
    throw new Error(`initdb failed: ${stderr.split("\n").at(-1) || (error as Error).message}`);
  }
  await rename(initializing, pgdata);
}

/**
 * Postgres compiled to WebAssembly is ~9 MB of code. V8's default compiles it
 * twice (baseline, then optimized for hot functions) and keeps both: ~45 MB
 * more memory and, for a store that runs short statements, more CPU than the
 * optimized code saves. The flag is process-wide and the gateway sets it at
 * start for all its WebAssembly (src/server/heap-tuning.ts); it is set here
 * too for processes that skip that (tests, the credentials command), and left
 * set, since turning it off would undo the gateway's own.
 */
const LIFTOFF_ONLY = "--liftoff-only";

function compiledWithLiftoffOnly<T>(compile: () => Promise<T>): Promise<T> {
  setFlagsFromString(LIFTOFF_ONLY);
  return compile();
}

/** Opens the cluster, creating it first when there is none. */
async function open(): Promise<PGlite> {
  if (!(await exists(`${pgdata}/PG_VERSION`))) await initialize();
  return compiledWithLiftoffOnly(() => PGlite.create(pgdata, pgliteSettings));
}

function begin(database: PGlite, id: number): void {
  const transaction = nextTransaction++;
  let end: (commit: boolean) => void = () => undefined;
  const decided = new Promise<boolean>((resolve) => {
    end = resolve;
  });
  let started: (handle: Transaction) => void = () => undefined;
  const handed = new Promise<Transaction>((resolve) => {
    started = resolve;
  });
  const ended = database
    .transaction(async (handle) => {
      started(handle);
      // Rejecting makes PGlite roll back; resolving commits.
      if (!(await decided)) throw rolledBack;
    })
    .then(
      () => undefined,
      (error: unknown) => {
        if (error !== rolledBack) throw error;
      },
    );
  ended.catch((error: unknown) => {
    // BEGIN itself failed: the callback never ran.
    if (!transactions.has(transaction)) send({ kind: "error", id, error: errorFields(error) });
  });
  void handed.then((handle) => {
    transactions.set(transaction, { handle, end, ended });
    send({ kind: "result", id, transaction });
  });
}

const rolledBack = new Error("rolled back");

/** Lower than the gateway's thread (0), not the lowest: batches still get written on a busy machine. */
const storeNice = 10;

async function answer(database: PGlite, request: PgliteRequest): Promise<unknown[] | undefined> {
  switch (request.kind) {
    case "query": {
      const target = request.transaction === undefined ? database : handleOf(request.transaction);
      return (await target.query(request.sql, request.params as unknown[])).rows;
    }
    case "exec": {
      const target = request.transaction === undefined ? database : handleOf(request.transaction);
      await target.exec(request.sql);
      return undefined;
    }
    case "commit":
    case "rollback": {
      const open = transactions.get(request.transaction);
      if (!open) throw new Error("no such transaction");
      transactions.delete(request.transaction);
      open.end(request.kind === "commit");
      await open.ended;
      return undefined;
    }
    case "listen": {
      if (listening.has(request.channel)) return undefined;
      const unlisten = await database.listen(request.channel, (payload) =>
        send({ kind: "notification", channel: request.channel, payload }),
      );
      listening.set(request.channel, unlisten);
      return undefined;
    }
    case "unlisten": {
      const unlisten = listening.get(request.channel);
      listening.delete(request.channel);
      await unlisten?.();
      return undefined;
    }
    default:
      throw new Error(`unknown request ${(request as { kind: string }).kind}`);
  }
}

function handleOf(transaction: number): Transaction {
  const open = transactions.get(transaction);
  if (!open) throw new Error("the transaction has ended");
  return open.handle;
}

async function main(): Promise<void> {
  // On Linux a thread has its own nice value: the store's work (initdb, spend inserts) yields the CPU to the
  // gateway's event loop rather than competing with it. Elsewhere this may fail; it is only a preference.
  try {
    setPriority(storeNice);
  } catch {
    // not permitted here: run at normal priority
  }
  let database: PGlite;
  try {
    database = await open();
  } catch (error) {
    send({ kind: "failed", error: errorFields(error) });
    process.exit(1);
  }
  port!.on("message", (request: PgliteRequest) => {
    if (request.kind === "begin") {
      begin(database, request.id);
      return;
    }
    if (request.kind === "close") {
      for (const open of transactions.values()) open.end(false);
      void database.close().finally(() => {
        send({ kind: "result", id: request.id });
        process.exit(0);
      });
      return;
    }
    answer(database, request).then(
      (rows) => send({ kind: "result", id: request.id, ...(rows && { rows }) }),
      (error: unknown) => send({ kind: "error", id: request.id, error: errorFields(error) }),
    );
  });
  send({ kind: "ready" });
}

void main();
