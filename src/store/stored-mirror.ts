import { GatewayError } from "../errors/gateway-error.js";
import type { Logger } from "../observability/logger.js";

/** Stops listening. */
export type Unsubscribe = () => Promise<void>;

/** Told after every reload: with what changed, or `undefined` when everything was reloaded. */
export type MirrorListener<Ref> = (ref: Ref | undefined) => void;

/**
 * Where a mirror reads its rows. `Ref` is what a change notification names
 * (one id, or several); `undefined` from `listen` means "reload everything"
 * (a NOTIFY for all, or the listening connection came back from an outage).
 */
export interface MirrorSource<Ref, Row> {
  listen(onChange: (ref: Ref | undefined) => void): Promise<Unsubscribe>;
  readAll(): Promise<readonly Row[]>;
  readSome(ref: Ref): Promise<readonly Row[]>;
}

/** What differs between entities: how a row becomes what is held, and what a failure is called. */
export interface MirrorPolicy<Ref, Row, Value> {
  /** Absent: nothing is stored, and the mirror counts as loaded (empty) from the start. */
  readonly source: MirrorSource<Ref, Row> | undefined;
  /** The ids a change names; they are dropped before their rows are read back, since a deleted row has none. */
  readonly idsOf: (ref: Ref) => readonly string[];
  readonly idOf: (row: Row) => string;
  /**
   * What to hold for a row, or `undefined` to leave it out (the policy says
   * why in its own warning). `previous` is what was held under that id, for a
   * policy that would rather keep it than hold nothing.
   */
  readonly admit: (row: Row, previous: Value | undefined) => Value | undefined;
  /** Runs before every full read, inside the reload (its failure keeps what was held). */
  readonly beforeReadAll?: () => Promise<void>;
  /** The warning's prefix ("keys") and the fields that say what was being reloaded. */
  readonly entity: string;
  readonly logFields: (ref: Ref | undefined) => Record<string, unknown>;
  /** Default: a GatewayError's message, which for a store error names no host or secret. */
  readonly describeError?: (error: unknown) => string;
  readonly logger: Logger;
}

/**
 * Stored rows held in memory by id, so a request reads a Map and never the
 * database. Every row is read at start and re-read when any replica changes
 * one (the repository's LISTEN/NOTIFY), so a change reaches new requests on
 * every replica without a restart. If a reload fails, what was held keeps
 * serving and the failure is warned about once. An entity's class extends
 * it with its policy, and overrides `held` for views derived from the rows.
 */
export class StoredMirror<Ref, Row, Value> {
  readonly #policy: MirrorPolicy<Ref, Row, Value>;
  readonly #listeners = new Set<MirrorListener<Ref>>();
  #values: Map<string, Value> = new Map();
  #version = 0;
  #loaded: boolean;
  /** Reloads run one at a time, so an older read never overwrites a newer one. */
  #queue: Promise<void> = Promise.resolve();
  #unsubscribe: Unsubscribe | undefined;
  #stopped = false;

  constructor(policy: MirrorPolicy<Ref, Row, Value>) {
    this.#policy = policy;
    this.#loaded = policy.source === undefined;
  }

  /** False until every stored row was read once (true at once without a store). */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** Goes up on every successful reload, so callers can cache what they derived from the values. */
  get version(): number {
    return this.#version;
  }

  get size(): number {
    return this.#values.size;
  }

  get(id: string): Value | undefined {
    return this.#values.get(id);
  }

  /**
   * Listens for changes, then reads every row. Resolves once they are
   * loaded; while the database is unreachable it stays pending (the listener
   * waits for it).
   */
  async start(): Promise<void> {
    const source = this.#policy.source;
    if (!source) return;
    const unsubscribe = await source.listen((ref) => void this.reload(ref));
    if (this.#stopped) {
      await unsubscribe();
      return;
    }
    this.#unsubscribe = unsubscribe;
    await this.reload(undefined);
  }

  /** Re-reads what `ref` names, or everything (`undefined`). Failures keep what was held and warn. */
  reload(ref: Ref | undefined): Promise<void> {
    const next = this.#queue.then(() => this.#reload(ref));
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Told after every successful reload; returns the function that stops telling. */
  onChanged(listener: MirrorListener<Ref>): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#listeners.clear();
    await this.#unsubscribe?.().catch(() => {});
  }

  /** Called with what is held after each successful reload, before listeners: where an entity rebuilds its derived views. */
  protected held(_values: ReadonlyMap<string, Value>): void {}

  async #reload(ref: Ref | undefined): Promise<void> {
    const policy = this.#policy;
    const source = policy.source;
    if (!source || this.#stopped) return;
    let admitted: (readonly [string, Value | undefined])[];
    try {
      if (ref === undefined) await policy.beforeReadAll?.();
      const rows = ref === undefined ? await source.readAll() : await source.readSome(ref);
      admitted = rows.map((row) => {
        const id = policy.idOf(row);
        return [id, policy.admit(row, this.#values.get(id))] as const;
      });
    } catch (error) {
      policy.logger.warn(
        { ...policy.logFields(ref), err: (policy.describeError ?? storeErrorMessage)(error) },
        `${policy.entity}: could not reload from the database; keeping what was loaded`,
      );
      return;
    }
    // Every read is done: the map changes in one synchronous step, so readers never see it half-updated.
    if (ref === undefined) {
      this.#values = new Map();
      this.#loaded = true;
    } else {
      for (const id of policy.idsOf(ref)) this.#values.delete(id);
    }
    for (const [id, value] of admitted) if (value !== undefined) this.#values.set(id, value);
    this.#version++;
    this.held(this.#values);
    for (const listener of this.#listeners) listener(ref);
  }
}

/** The source of a repository that reads one row by id, as most do; `listen` is its on…Changed. */
export function byId<Row>(
  repository: { get(id: string): Promise<Row | undefined>; list(): Promise<readonly Row[]> },
  listen: MirrorSource<string, Row>["listen"],
): MirrorSource<string, Row> {
  return {
    listen,
    readAll: () => repository.list(),
    readSome: async (id) => {
      const row = await repository.get(id);
      return row ? [row] : [];
    },
  };
}

function storeErrorMessage(error: unknown): string {
  return GatewayError.from(error).rawMessage;
}

/** For errors that are not only the store's (a cipher's, a salt key sync's): their own message. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
