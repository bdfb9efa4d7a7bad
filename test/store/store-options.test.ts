import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/observability/logger.js";
import { describeDatabase, resolveStoreOptions } from "../../src/store/store-options.js";

const logger = createLogger("silent");

describe("store settings", () => {
  it("uses the embedded Postgres in --data-dir when no database URL is set", () => {
    const options = resolveStoreOptions({
      env: {},
      generalSettings: {},
      dataDir: "/var/lib/switchyard",
      logger,
    });
    expect(options.databaseUrl).toBeUndefined();
    expect(options.dataDir).toBe("/var/lib/switchyard");
  });

  it("takes DATABASE_URL and DATABASE_POOL_SIZE over general_settings, as LiteLLM does", () => {
    const options = resolveStoreOptions({
      env: { DATABASE_URL: "postgres://env/db", DATABASE_POOL_SIZE: "25" },
      generalSettings: { database_url: "postgres://yaml/db", database_connection_pool_limit: 5 },
      dataDir: ".switchyard",
      logger,
    });
    expect(options).toMatchObject({ databaseUrl: "postgres://env/db", poolSize: 25 });
  });

  it("reads database_url, database_connection_pool_limit and database_connection_timeout from general_settings", () => {
    const options = resolveStoreOptions({
      env: {},
      generalSettings: {
        database_url: "postgres://yaml/db",
        database_connection_pool_limit: 5,
        database_connection_timeout: 1.5,
      },
      dataDir: ".switchyard",
      logger,
    });
    expect(options).toMatchObject({ databaseUrl: "postgres://yaml/db", poolSize: 5, connectTimeoutMs: 1500 });
  });

  it("rejects a pool size that is not a positive integer, naming the setting", () => {
    expect(() =>
      resolveStoreOptions({ env: { DATABASE_POOL_SIZE: "lots" }, generalSettings: {}, dataDir: ".", logger }),
    ).toThrow(/DATABASE_POOL_SIZE/);
  });

  it("describes a database for logs without its user or password", () => {
    const described = describeDatabase("postgres://admin:s3cret@db.internal:5433/switchyard?sslmode=require");
    expect(described).toBe("postgres://db.internal:5433/switchyard");
  });
});
