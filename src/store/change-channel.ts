import type { Queryable, Store } from "./store.js";

/** How a change is spelled in NOTIFY payloads. An empty payload is kept for "everything". */
export interface ChangeCodec<Ref> {
  /** The payloads that announce `ref`: several when one would pass NOTIFY's 8000-byte limit, none for nothing. */
  encode(ref: Ref): readonly string[];
  decode(payload: string): Ref;
}

/** One id a payload, as it is: a name may hold any character but never be empty. */
export const oneId: ChangeCodec<string> = {
  encode: (id) => [id],
  decode: (payload) => payload,
};

/** Token ids per NOTIFY: 100 × 65 bytes stays well under Postgres's 8000-byte payload limit. */
const IDS_PER_NOTIFY = 100;

/** Comma-separated ids (for ids that never hold a comma), a hundred a payload. */
export const idList: ChangeCodec<readonly string[]> = {
  encode: (ids) => {
    const payloads: string[] = [];
    for (let start = 0; start < ids.length; start += IDS_PER_NOTIFY) {
      payloads.push(ids.slice(start, start + IDS_PER_NOTIFY).join(","));
    }
    return payloads;
  },
  decode: (payload) => payload.split(","),
};

/** What a repository's constructor takes besides the store. */
export interface ChangeChannelOptions {
  /** Only for tests that share one database; replicas must use the default. */
  readonly channel?: string;
}

/**
 * The one way a repository tells every replica its rows changed: a NOTIFY on
 * the entity's channel, sent inside the writing transaction so that other
 * replicas hear of it exactly when it commits (and never of a write that
 * rolled back). A listener gets what changed, or `undefined` for everything:
 * an empty payload, or the listening connection back from an outage (the
 * notifications sent meanwhile are lost).
 */
export class ChangeChannel<Ref> {
  readonly name: string;
  readonly #codec: ChangeCodec<Ref>;

  constructor(name: string, codec: ChangeCodec<Ref>) {
    this.name = name;
    this.#codec = codec;
  }

  /** `undefined`: every row may have changed. */
  async notify(queryable: Queryable, ref: Ref | undefined): Promise<void> {
    const payloads = ref === undefined ? [""] : this.#codec.encode(ref);
    for (const payload of payloads) {
      await queryable.query("select pg_notify($1, $2)", [this.name, payload]);
    }
  }

  /** Resolves once listening, with the function that stops it. */
  listen(store: Store, listener: (ref: Ref | undefined) => void): Promise<() => Promise<void>> {
    return store.listen(this.name, (payload) =>
      listener(payload === undefined || payload === "" ? undefined : this.#codec.decode(payload)),
    );
  }
}
