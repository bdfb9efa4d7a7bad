import { Code } from "@connectrpc/connect";
import { GatewayError } from "../errors/gateway-error.js";
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
 *
 * A schema with versions this build does not know was written by a newer
 * Switchyard: FailedPrecondition, and nothing is changed (running older code
 * on it could misread or overwrite what the newer one stored).
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
    const known = Math.max(0, ...migrations.map((migration) => migration.version));
    const newest = Math.max(0, ...done);
    if (newest > known) {
      throw new GatewayError({
        code: Code.FailedPrecondition,
        message:
          `the database's schema is version ${newest}, newer than this Switchyard knows (${known}); ` +
          "run the newer Switchyard, or restore a backup taken before it migrated",
        errorCode: "store_schema_newer",
      });
    }
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
