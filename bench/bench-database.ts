import pg from "pg";

/** The Postgres the benches store into: BENCH_DATABASE_URL, default the machine's test database. */
export const benchDatabaseUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface BenchSchema {
  /** DATABASE_URL for a gateway, its search_path set to the schema. */
  readonly databaseUrl: string;
  /** Rows in the schema's spend_logs (0 before the gateway migrated it). */
  spendRows(): Promise<number>;
  drop(): Promise<void>;
}

/** A schema of its own for one gateway, so runs never see each other's rows. */
export async function createBenchSchema(name: string): Promise<BenchSchema> {
  const schema = `switchyard_bench_${name.replace(/\W/g, "_")}_${process.pid}`;
  const admin = new pg.Client({ connectionString: benchDatabaseUrl });
  await admin.connect();
  await admin.query(`drop schema if exists ${schema} cascade`);
  await admin.query(`create schema ${schema}`);
  return {
    databaseUrl: `${benchDatabaseUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    async spendRows() {
      const result = await admin
        .query<{ count: string }>(`select count(*) from ${schema}.spend_logs`)
        .catch(() => ({ rows: [{ count: "0" }] }));
      return Number(result.rows[0]?.count ?? 0);
    },
    async drop() {
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    },
  };
}
