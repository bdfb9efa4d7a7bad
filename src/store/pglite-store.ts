import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { Code } from "@connectrpc/connect";
import { GatewayError } from "../errors/gateway-error.js";
import type { Logger } from "../observability/logger.js";
import { ChannelListeners } from "./channel-listeners.js";
import { lockDataDir } from "./data-dir-lock.js";
import { probeHealth } from "./health-probe.js";
import type {
  PgliteErrorFields,
  PgliteRequest,
  PgliteResponse,
  PgliteWorkerData,
} from "./pglite-protocol.js";
import { pgliteWorkerEntry } from "./pglite-worker-url.js";
import type { NotificationListener, Queryable, Store, StoreHealth } from "./store.js";
import { storeUnavailable, toStoreError } from "./store-errors.js";

export interface PgliteStoreOptions {
  /** The `--data-dir`; the cluster lives in its `pgdata` folder. */
  dataDir: string;
  logger: Logger;
}

/** Distributive Omit, so each request kind keeps its own fields. */
type RequestBody = PgliteRequest extends infer Request
  ? Request extends PgliteRequest
    ? Omit<Request, "id">
    : never
  : never;

interface Pending {
  resolve(response: { rows?: unknown[]; transaction?: number }): void;
  reject(error: unknown): void;
}

/** One worker thread and the requests it has not answered yet. */
interface RunningWorker {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  /** Set once it answered "ready". */
  ready: boolean;
}

/**
 * The embedded Postgres (PGlite) in the data directory, persisted across
 * restarts. PGlite runs synchronously, so it lives in a worker thread
 * (src/store/pglite-worker.ts) and this class only sends it requests: initdb,
 * migrations and spend inserts never hold up the event loop.
 *
 * Opening starts on first use (or the first health check) and everything waits
 * for it; `health()` does not. A worker that dies fails what it had in hand
 * with Unavailable and is started again on the next call; listeners get
 * `undefined` once it is back, as after a Postgres outage. A fault that no
 * retry mends (directory in use, unreadable, corrupt, not a cluster) fails
 * every call with FailedPrecondition, naming the directory and what to do.
 */
export class PgliteStore implements Store {
  readonly backend = "pglite";
  readonly #dataDir: string;
  readonly #logger: Logger;
  readonly #listeners: ChannelListeners;
  #current: RunningWorker | undefined;
  #starting: Promise<RunningWorker> | undefined;
  #unlock: (() => Promise<void>) | undefined;
  #nextId = 1;
  #fatal: GatewayError | undefined;
  #closed = false;
  /** Whether a worker ever became ready: a later start is a restart, which listeners hear of. */
  #everReady = false;

  constructor(options: PgliteStoreOptions) {
    this.#dataDir = options.dataDir;
    this.#logger = options.logger;
    this.#listeners = new ChannelListeners(options.logger);
  }

  /** The fault that stops this store for good, if one was found while opening. */
  get fatalError(): GatewayError | undefined {
    return this.#fatal;
  }

  async query<Row extends object>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const { rows } = await this.#request({ kind: "query", sql, params });
    return (rows ?? []) as Row[];
  }

  async exec(sql: string): Promise<void> {
    await this.#request({ kind: "exec", sql });
  }

  async transaction<T>(body: (transaction: Queryable) => Promise<T>): Promise<T> {
    const running = await this.#ready();
    const { transaction } = await this.#send(running, { kind: "begin" });
    if (transaction === undefined)
      throw storeUnavailable(undefined, "the embedded Postgres opened no transaction");
    const handle: Queryable = {
      query: async <Row extends object>(sql: string, params: readonly unknown[] = []) =>
        ((await this.#send(running, { kind: "query", sql, params, transaction })).rows ?? []) as Row[],
      exec: async (sql: string) => {
        await this.#send(running, { kind: "exec", sql, transaction });
      },
    };
    let result: T;
    try {
      result = await body(handle);
    } catch (error) {
      // The body's own error goes out as is; a failed rollback only matters to the worker.
      await this.#send(running, { kind: "rollback", transaction }).catch(() => undefined);
      throw error;
    }
    await this.#send(running, { kind: "commit", transaction });
    return result;
  }

  async listen(channel: string, listener: NotificationListener): Promise<() => Promise<void>> {
    const registered = this.#listeners.add(channel, listener);
    try {
      await this.#request({ kind: "listen", channel });
    } catch (error) {
      registered.delete(listener);
      throw error;
    }
    return async () => {
      registered.delete(listener);
      if (!this.#listeners.release(channel, registered)) return;
      const running = this.#current;
      if (running?.ready) await this.#send(running, { kind: "unlisten", channel }).catch(() => undefined);
    };
  }

  async health(): Promise<StoreHealth> {
    if (this.#closed || this.#fatal) return "unavailable";
    const running = this.#current;
    if (!running?.ready) {
      // Still opening: say so now rather than hold a readiness probe for seconds.
      this.#ready().catch(() => undefined);
      return "unavailable";
    }
    return probeHealth(() => this.#send(running, { kind: "query", sql: "select 1", params: [] }));
  }

  /**
   * Ends the worker thread abruptly, as a crash inside PGlite would: for fault
   * drills and the tests that show nothing hangs when it happens.
   */
  async crashWorker(): Promise<void> {
    await this.#current?.worker.terminate();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Still opening (initdb can take many seconds): shutdown does not wait for it. initdb works in a side
    // folder the next start clears, and an interrupted open is recovered like a crash.
    if (this.#current && !this.#current.ready) await this.#current.worker.terminate();
    await this.#starting?.catch(() => undefined);
    const running = this.#current;
    this.#current = undefined;
    if (running) {
      // The worker closes PGlite (a checkpoint) and exits; terminate is the fallback if it cannot answer.
      await this.#send(running, { kind: "close" }).catch(() => undefined);
      await running.worker.terminate();
    }
    await this.#unlock?.();
    this.#unlock = undefined;
  }

  async #request(body: RequestBody): Promise<{ rows?: unknown[]; transaction?: number }> {
    return this.#send(await this.#ready(), body);
  }

  #send(running: RunningWorker, body: RequestBody): Promise<{ rows?: unknown[]; transaction?: number }> {
    if (this.#current !== running && body.kind !== "close") {
      return Promise.reject(storeUnavailable(undefined, "the embedded Postgres worker stopped"));
    }
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      running.pending.set(id, { resolve, reject });
      running.worker.postMessage({ ...body, id } as PgliteRequest);
    });
  }

  #ready(): Promise<RunningWorker> {
    if (this.#closed) return Promise.reject(storeUnavailable(undefined, "the store is closed"));
    if (this.#fatal) return Promise.reject(this.#fatal);
    if (this.#current?.ready) return Promise.resolve(this.#current);
    this.#starting ??= this.#start().finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  async #start(): Promise<RunningWorker> {
    try {
      await mkdir(this.#dataDir, { recursive: true });
      this.#unlock ??= await lockDataDir(this.#dataDir);
    } catch (error) {
      throw this.#fail(error);
    }
    if (!this.#everReady) {
      this.#logger.info(
        { dataDir: this.#dataDir },
        "store: opening the embedded Postgres in a worker thread",
      );
    }
    const spawn = () =>
      this.#spawn().catch((error: unknown) => {
        throw this.#fail(error);
      });
    const running = await spawn();
    if (this.#closed) {
      await running.worker.terminate();
      throw storeUnavailable(undefined, "the store is closed");
    }
    const restarted = this.#everReady;
    this.#everReady = true;
    // A restarted worker listens afresh; notifications sent meanwhile are lost, so every listener reloads.
    for (const channel of this.#listeners.channels()) {
      await this.#send(running, { kind: "listen", channel }).catch(() => undefined);
    }
    if (restarted) {
      this.#logger.info({ dataDir: this.#dataDir }, "store: the embedded Postgres worker is back");
      this.#listeners.deliverLost();
    }
    return running;
  }

  /** Starts a worker and resolves once its database answers (created first when there is none). */
  #spawn(): Promise<RunningWorker> {
    const { entry, eval: isEval } = pgliteWorkerEntry();
    const workerData: PgliteWorkerData = { pgdata: join(this.#dataDir, "pgdata") };
    const worker = new Worker(entry, { eval: isEval, workerData, resourceLimits: workerHeap });
    const running: RunningWorker = { worker, pending: new Map(), ready: false };
    this.#current = running;
    return new Promise((resolve, reject) => {
      worker.on("message", (message: PgliteResponse) => {
        switch (message.kind) {
          case "ready":
            running.ready = true;
            resolve(running);
            return;
          case "failed":
            reject(openError(message.error));
            return;
          case "notification":
            this.#listeners.deliver(message.channel, message.payload);
            return;
          case "result":
          case "error": {
            const pending = running.pending.get(message.id);
            if (!pending) return;
            running.pending.delete(message.id);
            if (message.kind === "result") pending.resolve(message);
            else pending.reject(toStoreError(driverError(message.error)));
            return;
          }
        }
      });
      // An uncaught error in the worker (a WebAssembly abort included) ends it; "exit" follows.
      worker.on("error", (error) => {
        if (!running.ready) reject(error);
        else this.#logger.error({ err: error.message }, "store: the embedded Postgres worker failed");
      });
      worker.on("exit", (exitCode) => {
        if (this.#current === running) this.#current = undefined;
        const stopped = storeUnavailable(undefined, "the embedded Postgres worker stopped");
        for (const pending of running.pending.values()) pending.reject(stopped);
        running.pending.clear();
        if (!running.ready) {
          reject(
            storeUnavailable(undefined, `the embedded Postgres worker exited (${exitCode}) while opening`),
          );
          return;
        }
        if (this.#closed) return;
        this.#logger.error(
          { dataDir: this.#dataDir, exitCode },
          "store: the embedded Postgres worker stopped; restarting it",
        );
        // Listeners are told once it is back; other callers start it again by calling.
        if (this.#listeners.size > 0) this.#ready().catch(() => undefined);
      });
    });
  }

  /** Classifies an opening failure: faults no retry mends stop the store for good. */
  #fail(error: unknown): GatewayError {
    const fatal = fatalOpenError(error, this.#dataDir);
    if (fatal) {
      this.#fatal = fatal;
      void this.#unlockAfterFailure();
      return fatal;
    }
    const storeError = toStoreError(error);
    if (!this.#closed) {
      this.#logger.warn(
        { dataDir: this.#dataDir, err: storeError.rawMessage },
        "store: cannot open the embedded Postgres",
      );
    }
    return storeError;
  }

  async #unlockAfterFailure(): Promise<void> {
    const unlock = this.#unlock;
    this.#unlock = undefined;
    await unlock?.().catch(() => undefined);
  }
}

/** The worker's error fields as an Error with its SQLSTATE, which toStoreError and callers read. */
function driverError(fields: PgliteErrorFields): Error {
  return Object.assign(new Error(fields.message), fields.code === undefined ? {} : { code: fields.code });
}

function openError(fields: PgliteErrorFields): Error {
  return Object.assign(new Error(fields.message), { code: fields.code ?? "SWITCHYARD_OPEN_FAILED" });
}

/** File-system errors that say the directory itself is unusable, not that the disk hiccupped. */
const unusableDirectory = new Set(["EACCES", "EPERM", "ENOTDIR", "EEXIST", "EROFS"]);

/**
 * A data directory the gateway must not touch until someone looks at it:
 * another process holds it, it cannot be read, or it is not a cluster PGlite
 * can open. The message names the directory and what to do.
 */
function fatalOpenError(error: unknown, dataDir: string): GatewayError | undefined {
  if (error instanceof GatewayError) {
    // lockDataDir's refusals: another process (or store) has the directory open.
    if (error.code !== Code.Unavailable || !/in use|already open/.test(error.rawMessage)) return undefined;
    return stop(`${error.rawMessage}; stop that gateway or pass another --data-dir`, error);
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && unusableDirectory.has(code)) {
    return stop(
      `the data directory ${dataDir} cannot be read or written (${code}); fix it (permissions, a file in the way) or pass another --data-dir`,
      error,
    );
  }
  if (code === "SWITCHYARD_NOT_A_CLUSTER" || code === "SWITCHYARD_OPEN_FAILED" || code === undefined) {
    const detail = error instanceof Error ? error.message : String(error);
    return stop(
      `the data directory ${dataDir} holds a Postgres cluster the embedded store cannot open (${detail}); ` +
        "it was left untouched: restore it from a backup, or move it away to start empty",
      error,
    );
  }
  return undefined;
}

function stop(message: string, cause: unknown): GatewayError {
  return new GatewayError({ code: Code.FailedPrecondition, message, errorCode: "store_data_dir", cause });
}

/**
 * The worker's own JavaScript is thin (messages in, rows out); a young
 * generation sized for the gateway's thread would only hold garbage longer.
 * The old generation keeps V8's default: a large result must not kill it.
 */
const workerHeap = { maxYoungGenerationSizeMb: 4 };
