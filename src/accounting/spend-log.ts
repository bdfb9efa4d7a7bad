import { Code } from "@connectrpc/connect";
import { GatewayError } from "../errors/gateway-error.js";
import type { Logger } from "../observability/logger.js";
import type { SpendRow } from "../store/spend-repository.js";
import type { CallObserver, CallRecord } from "./call-record.js";

/** Where batches go: SpendRepository, or anything that writes rows the same way. */
export interface SpendWriter {
  /** Writes the rows in one statement; throws a GatewayError (Unavailable during an outage). */
  insert(rows: readonly SpendRow[]): Promise<void>;
}

export interface SpendLogOptions {
  readonly writer: SpendWriter;
  readonly logger: Logger;
  /** `general_settings.proxy_batch_write_at`, in ms: how often buffered rows are written; default 1 s. */
  readonly flushIntervalMs?: number;
  /**
   * Rows per INSERT; a buffer this full is written at once rather than at the next tick. Default 100:
   * a batch's statement is built on the event loop in one go, and 500 rows held it for 1.6–2.9 ms, a
   * stall every call in flight waited out; 100 take ~0.4 ms, for a few more statements a second.
   */
  readonly batchRows?: number;
  /** Rows kept while the store is unreachable; beyond it the oldest are dropped. Default 10,000. */
  readonly maxBufferedRows?: number;
  /** Settles when the schema is current: nothing is written before (false: never). Default at once. */
  readonly ready?: Promise<boolean>;
}

/** SQLSTATE undefined_table: the schema is not migrated yet, which is an outage, not a bad row. */
const UNDEFINED_TABLE = "42P01";

/**
 * The per-call spend log: rows are buffered in memory and written in
 * batches, one INSERT per batch of rows, every flushIntervalMs or as soon
 * as a batch is full — never a write per call on the request path.
 *
 * During a store outage rows stay buffered and are retried at every tick,
 * up to maxBufferedRows; beyond that the oldest are dropped and counted,
 * with one warning per outage. A batch the database refuses for its content
 * (not an outage) is retried row by row, so one bad row loses only itself.
 * A crash loses what is buffered: at most one interval's rows while the
 * store is up.
 */
export class SpendLog implements CallObserver {
  readonly #writer: SpendWriter;
  readonly #logger: Logger;
  readonly #batchRows: number;
  readonly #maxBufferedRows: number;
  readonly #timer: NodeJS.Timeout;
  #buffer: SpendRow[] = [];
  #flushing: Promise<void> | undefined;
  /** Rows of the batch being written. */
  #writing = 0;
  readonly #readySignal: Promise<boolean>;
  #ready = false;
  #closed = false;
  /** Set during an outage, so it is reported once, and its end once. */
  #outage = false;
  #warnedFull = false;
  #dropped = 0;

  constructor(options: SpendLogOptions) {
    this.#writer = options.writer;
    this.#logger = options.logger;
    this.#batchRows = options.batchRows ?? 100;
    this.#maxBufferedRows = options.maxBufferedRows ?? 10_000;
    this.#timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 1000);
    // The timer must not keep a process alive that has nothing else to do.
    this.#timer.unref();
    this.#readySignal = options.ready ?? Promise.resolve(true);
    this.#readySignal.then(
      (ready) => {
        this.#ready = ready;
      },
      () => undefined,
    );
  }

  /** Rows not written yet, a batch being written included. */
  get buffered(): number {
    return this.#buffer.length + this.#writing;
  }

  /** Rows dropped since start: the buffer overflowed during an outage, or the database refused them. */
  get dropped(): number {
    return this.#dropped;
  }

  record(call: CallRecord): void {
    if (this.#closed) return;
    this.#buffer.push(spendRowOf(call));
    this.#trim();
    if (this.#buffer.length >= this.#batchRows && !this.#flushing && !this.#outage) void this.flush();
  }

  /**
   * Writes what is buffered, a batch per statement, until the buffer is
   * empty or the store fails. Resolves (never rejects) once done; a flush
   * already under way is awaited instead.
   */
  async flush(): Promise<void> {
    if (!this.#ready && !(await this.#readyNow())) return;
    this.#flushing ??= this.#drain().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  /** Stops the timer and writes what is left (once the store is ready; not at all if it never is). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.flush();
    if (this.#buffer.length > 0) {
      this.#logger.warn({ rows: this.#buffer.length }, "spend log: rows not written at shutdown");
    }
  }

  /** Settles at once: the ready signal's value if it has settled, else false (an unreachable store is not waited for). */
  #readyNow(): Promise<boolean> {
    return Promise.race([this.#readySignal, Promise.resolve(false)]).catch(() => false);
  }

  async #drain(): Promise<void> {
    while (this.#buffer.length > 0) {
      const batch = this.#buffer.splice(0, this.#batchRows);
      let unwritten: SpendRow[] = [];
      this.#writing = batch.length;
      try {
        await this.#writer.insert(batch);
      } catch (error) {
        if (isOutage(error)) {
          this.#reportOutage(error);
          unwritten = batch;
        } else {
          unwritten = await this.#writeOneByOne(batch);
        }
      } finally {
        this.#writing = 0;
      }
      if (unwritten.length > 0) {
        // Back in front of what was recorded meanwhile, oldest first, for the next tick.
        this.#buffer = unwritten.concat(this.#buffer);
        this.#trim();
        return;
      }
      this.#warnedFull = false;
      if (this.#outage) {
        this.#outage = false;
        this.#logger.info({ buffered: this.#buffer.length }, "spend log: the store takes writes again");
      }
    }
  }

  /** After the database refused a batch: each row alone. Returns the rows left when the store went away. */
  async #writeOneByOne(batch: SpendRow[]): Promise<SpendRow[]> {
    for (const [index, row] of batch.entries()) {
      try {
        await this.#writer.insert([row]);
      } catch (error) {
        if (isOutage(error)) {
          this.#reportOutage(error);
          return batch.slice(index);
        }
        this.#dropped++;
        this.#logger.warn(
          { requestId: row.requestId, err: describe(error) },
          "spend log: the database refused a row; dropped",
        );
      }
    }
    return [];
  }

  /** Drops the oldest rows beyond the cap, warning once per outage. */
  #trim(): void {
    const excess = this.#buffer.length - this.#maxBufferedRows;
    if (excess <= 0) return;
    this.#buffer.splice(0, excess);
    this.#dropped += excess;
    if (this.#warnedFull) return;
    this.#warnedFull = true;
    this.#logger.warn(
      { maxBufferedRows: this.#maxBufferedRows },
      "spend log: buffer full, dropping the oldest rows until the store takes writes again",
    );
  }

  #reportOutage(error: unknown): void {
    if (this.#outage) return;
    this.#outage = true;
    this.#logger.warn(
      { buffered: this.buffered, err: describe(error) },
      "spend log: the store is unavailable; keeping rows in memory and retrying",
    );
  }
}

/** A failure that says the store is not there (or not migrated), so the rows are worth keeping. */
function isOutage(error: unknown): boolean {
  if (!(error instanceof GatewayError)) return false;
  if (error.code === Code.Unavailable) return true;
  const cause = error.cause as { code?: unknown } | undefined;
  return cause?.code === UNDEFINED_TABLE;
}

/** The error's message and SQLSTATE, never a parameter value. */
function describe(error: unknown): string {
  const gatewayError = GatewayError.from(error);
  const cause = gatewayError.cause as { code?: unknown } | undefined;
  return typeof cause?.code === "string"
    ? `${gatewayError.rawMessage} (${cause.code})`
    : gatewayError.rawMessage;
}

/** A call as a spend_logs row. Caller-chosen text is cleaned of what Postgres refuses in text and jsonb. */
export function spendRowOf(call: CallRecord): SpendRow {
  const usage = call.usage;
  const principal = call.principal;
  return {
    requestId: call.callId,
    startTime: new Date(call.startTime),
    endTime: new Date(call.startTime + call.latencyMs),
    callType: call.kind,
    stream: call.stream,
    model: clean(call.requestedModel),
    modelGroup: call.modelGroup ?? null,
    deploymentId: call.deploymentId ?? null,
    provider: call.provider ?? null,
    upstreamModel: call.upstreamModel ?? null,
    principal: principal.kind,
    apiKey: principal.kind === "virtual_key" ? principal.key.tokenId : null,
    endUser: call.user === undefined ? null : clean(call.user),
    metadata: cleanMetadata(call.metadata),
    promptTokens: usage?.promptTokens ?? 0,
    completionTokens: usage?.completionTokens ?? 0,
    cachedTokens: usage?.cachedTokens ?? 0,
    totalTokens: usage?.totalTokens ?? 0,
    spend: call.costUsd ?? 0,
    status: call.error ? "failure" : "success",
    statusCode: call.error?.httpStatus ?? 200,
    errorType: call.error?.type ?? null,
    latencyMs: call.latencyMs,
    ttftMs: call.stream ? (call.timeToFirstTokenMs ?? null) : null,
    cacheHit: call.cacheHit === true,
    cacheKey: call.cacheKey ?? null,
  };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what must go
const unstorable = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** A cheap first look (not global, so no lastIndex state): most text has neither NUL nor surrogates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: as above
const suspect = /[\u0000\uD800-\uDFFF]/;

/** Postgres text refuses NUL, and jsonb refuses lone surrogates' escapes: replaced, so no row is poison. */
function clean(text: string): string {
  return suspect.test(text) ? text.replace(unstorable, "\uFFFD") : text;
}

const noMetadata: Readonly<Record<string, string>> = Object.freeze({});

function cleanMetadata(
  metadata: Readonly<Record<string, string>> | undefined,
): Readonly<Record<string, string>> {
  if (!metadata) return noMetadata;
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) cleaned[clean(key)] = clean(value);
  return cleaned;
}
