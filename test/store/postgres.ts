import { randomBytes } from "node:crypto";
import pg from "pg";

/** The machine's Postgres (trust auth); CI starts it when it is down. */
export const POSTGRES_URL =
  process.env.SWITCHYARD_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/**
 * Whether tests may run against Postgres. Under CI a missing Postgres is an
 * error (thrown, so the suite fails); elsewhere it returns a reason to skip,
 * which the test file prints.
 */
export async function postgresSkipReason(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("select 1");
    return undefined;
  } catch (error) {
    const reason = `no Postgres at ${POSTGRES_URL} (${error instanceof Error ? error.message : String(error)})`;
    if (process.env.CI === "true" || process.env.CI === "1") throw new Error(`${reason}: CI needs Postgres`);
    return reason;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A name no other test run uses, valid as a schema or channel name. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString("hex")}`;
}

/** A plain client for setting up and inspecting what the store did. */
export async function adminClient(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  client.on("error", () => {});
  await client.connect();
  return client;
}

/** Creates a fresh schema; `drop` removes it and everything in it. */
export async function createSchema(): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = uniqueName("switchyard_test");
  const client = await adminClient();
  try {
    await client.query(`create schema ${schema}`);
  } finally {
    await client.end();
  }
  return {
    schema,
    async drop() {
      const admin = await adminClient();
      try {
        await admin.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await admin.end();
      }
    },
  };
}
