import type { Migration } from "./migrations.js";
import { migrations as releasedMigrations } from "./migrations.js";
import type { Store } from "./store.js";

/**
 * Arbitrary but fixed key for pg_advisory_xact_lock, so every replica
 * serialises on the same lock ("switch" in ASCII hex).
 */
const migrationLockKey = 0x737769746368;

export interface MigrationResult {
  /** Versions this call applied (empty when the schema was already current). */
  applied: number[];
}

/**
 * Brings the schema up to date: every migration not yet recorded in
 * `switchyard_migrations` runs once, in version order, all in one
 * transaction holding a transaction-scoped advisory lock. Two replicas
 * starting together: the second waits for the lock, then finds nothing left
 * to do. A failing migration rolls everything back and is rethrown.
 */
export async function migrate(
  store: Store,
  migrations: readonly Migration[] = releasedMigrations,
): Promise<MigrationResult> {
  return store.transaction(async (transaction) => {
    await transaction.query("select pg_advisory_xact_lock($1)", [migrationLockKey]);
    await transaction.exec(`
      create table if not exists switchyard_migrations (
        version integer primary key,
        name text not null,
        applied_at timestamptz not null default now()
      );
    `);
    const rows = await transaction.query<{ version: number }>("select version from switchyard_migrations");
    const done = new Set(rows.map((row) => row.version));
    const applied: number[] = [];
    for (const migration of [...migrations].sort((left, right) => left.version - right.version)) {
      if (done.has(migration.version)) continue;
      await transaction.exec(migration.sql);
      await transaction.query("insert into switchyard_migrations (version, name) values ($1, $2)", [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    return { applied };
  });
}
