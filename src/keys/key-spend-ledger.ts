import type { CallObserver, CallRecord } from "../accounting/call-record.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { Logger } from "../observability/logger.js";
import type { KeyRepository } from "../store/key-repository.js";
import type { KeyLookup } from "./virtual-key.js";

export interface KeySpendLedgerOptions {
  readonly repository: Pick<KeyRepository, "addSpend" | "resetEndedBudgets">;
  /** The in-memory keys: read for budget periods, re-read after each write. */
  readonly keys: KeyLookup & { reload(tokenIds: readonly string[]): Promise<void> };
  readonly logger: Logger;
  /** How often spend is written, ms; default 1000. */
  readonly flushIntervalMs?: number;
  /** How often ended budget periods are reset in the database, ms; default 60 000. */
  readonly resetIntervalMs?: number;
  /** Epoch ms; default Date.now. */
  readonly now?: () => number;
}

/**
 * Charges each virtual key the cost of its calls. Costs add up in memory
 * and are written in one statement per interval (the repository NOTIFYs, so
 * every replica's key cache sees the new spend); until this replica's key
 * cache shows a write, its amount still counts as `unflushed`, so a budget
 * check never misses spend in between. A write that fails is retried with
 * the next one. A second timer starts new budget periods in the database;
 * budget checks do not wait for it (see storedSpendNow).
 */
export class KeySpendLedger implements CallObserver {
  readonly #options: KeySpendLedgerOptions;
  readonly #now: () => number;
  /** Spend not yet written, by token id. */
  #pending = new Map<string, number>();
  /** Spend being written, or written but not yet re-read into the key cache. */
  #writing = new Map<string, number>();
  #flushing: Promise<void> | undefined;
  #failing = false;
  readonly #timers: NodeJS.Timeout[];

  constructor(options: KeySpendLedgerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#timers = [
      setInterval(() => void this.flush(), options.flushIntervalMs ?? 1000),
      setInterval(() => void this.#resetEnded(), options.resetIntervalMs ?? 60_000),
    ];
    for (const timer of this.#timers) timer.unref();
  }

  record(call: CallRecord): void {
    const principal = call.principal;
    if (principal.kind !== "virtual_key") return;
    const cost = call.costUsd;
    // Failed calls are charged too when they have a cost: a stream cut short was still billed.
    if (cost === undefined || !(cost > 0)) return;
    const tokenId = principal.key.tokenId;
    this.#pending.set(tokenId, (this.#pending.get(tokenId) ?? 0) + cost);
  }

  /** US dollars charged to the key on this replica that its cached spend does not show yet. */
  unflushed(tokenId: string): number {
    return (this.#pending.get(tokenId) ?? 0) + (this.#writing.get(tokenId) ?? 0);
  }

  /** Writes what is pending now; resolves when it is written and re-read (or has failed and is pending again). */
  flush(): Promise<void> {
    this.#flushing ??= this.#write().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  /** Stops the timers and writes what is left. */
  async close(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    await this.#flushing;
    await this.flush();
  }

  async #write(): Promise<void> {
    if (this.#pending.size === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    this.#writing = batch;
    const { repository, keys } = this.#options;
    let charged: string[];
    try {
      // A key whose period ended gets its new period first, or the reset would wipe this spend.
      const now = this.#now();
      for (const tokenId of batch.keys()) {
        const resetAt = keys.get(tokenId)?.budgetResetAt;
        if (resetAt !== undefined && resetAt.getTime() <= now) {
          await repository.resetEndedBudgets(new Date(now));
          break;
        }
      }
      charged = await repository.addSpend([...batch].map(([tokenId, amount]) => ({ tokenId, amount })));
    } catch (error) {
      this.#writing = new Map();
      for (const [tokenId, amount] of batch)
        this.#pending.set(tokenId, (this.#pending.get(tokenId) ?? 0) + amount);
      this.#failed(error, "could not write key spend; it stays counted here and is retried");
      return;
    }
    this.#recovered();
    // Our own re-read, awaited: only after it does the cache surely hold this spend.
    await keys.reload(charged).catch(() => {});
    this.#writing = new Map();
  }

  async #resetEnded(): Promise<void> {
    try {
      await this.#options.repository.resetEndedBudgets(new Date(this.#now()));
    } catch (error) {
      this.#failed(error, "could not reset ended key budgets; retried at the next interval");
    }
  }

  /** Warns once per outage, not once per interval. */
  #failed(error: unknown, message: string): void {
    if (this.#failing) return;
    this.#failing = true;
    this.#options.logger.warn({ err: GatewayError.from(error).rawMessage }, `keys: ${message}`);
  }

  #recovered(): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.#options.logger.info("keys: key spend is written again");
  }
}
