import type { Queryable, Store } from "../../src/store/store.js";

/** A real store that also counts the statements matching `pattern`, so tests can see how writes are batched. */
export interface CountingStore extends Store {
  /** The statements run so far that matched, in order. */
  readonly matched: string[];
}

export function countingStore(inner: Store, pattern: RegExp): CountingStore {
  const matched: string[] = [];
  const count = (sql: string) => {
    if (pattern.test(sql)) matched.push(sql);
  };
  const counted = (queryable: Queryable): Queryable => ({
    query(sql, params) {
      count(sql);
      return queryable.query(sql, params);
    },
    exec: (sql) => queryable.exec(sql),
  });
  return {
    matched,
    backend: inner.backend,
    ...counted(inner),
    transaction: (body) => inner.transaction((transaction) => body(counted(transaction))),
    listen: (channel, listener) => inner.listen(channel, listener),
    health: () => inner.health(),
    close: () => inner.close(),
  };
}
