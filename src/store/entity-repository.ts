import { ChangeChannel, type ChangeCodec } from "./change-channel.js";
import type { Store } from "./store.js";

/**
 * What every managed entity's repository starts from: the store, and the
 * channel its writes are announced on (a NOTIFY inside each writing
 * transaction, see ChangeChannel).
 */
export abstract class EntityRepository<Ref> {
  protected readonly store: Store;
  protected readonly changes: ChangeChannel<Ref>;

  protected constructor(store: Store, channel: string, codec: ChangeCodec<Ref>) {
    this.store = store;
    this.changes = new ChangeChannel(channel, codec);
  }

  /** Listens for changes made by any replica, this one included; resolves once listening, with the function that stops it. */
  protected listen(listener: (ref: Ref | undefined) => void): Promise<() => Promise<void>> {
    return this.changes.listen(this.store, listener);
  }
}

/** The two timestamps every managed table keeps (set by the database on insert and on each update). */
export interface TimestampedRow {
  created_at: Date;
  updated_at: Date;
}

export function changeTimesOf(row: TimestampedRow): { createdAt: Date; updatedAt: Date } {
  return { createdAt: row.created_at, updatedAt: row.updated_at };
}
