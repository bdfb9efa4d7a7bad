import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { createLogger } from "../../src/observability/logger.js";
import { createStore } from "../../src/store/create-store.js";
import { CredentialRepository } from "../../src/store/credential-repository.js";
import { migrate } from "../../src/store/migrate.js";
import { migrations } from "../../src/store/migrations.js";
import type { Store } from "../../src/store/store.js";
import { createSchema, POSTGRES_URL, postgresSkipReason, uniqueName } from "./postgres.js";

const skipReason = await postgresSkipReason();
if (skipReason) console.warn(`store tests on Postgres skipped: ${skipReason}`);

const logger = createLogger("silent");

/** One backend under test: how to open a store on it, and to open it again on the same data. */
interface Backend {
  readonly name: string;
  readonly skip: boolean;
  setUp(): Promise<void>;
  open(): Store;
  tearDown(): Promise<void>;
}

function postgresBackend(): Backend {
  let schema: Awaited<ReturnType<typeof createSchema>> | undefined;
  return {
    name: "Postgres",
    skip: skipReason !== undefined,
    async setUp() {
      schema = await createSchema();
    },
    open: () => createStore({ databaseUrl: POSTGRES_URL, dataDir: "unused", schema: schema?.schema, logger }),
    async tearDown() {
      await schema?.drop();
    },
  };
}

function pgliteBackend(): Backend {
  let dataDir = "";
  return {
    name: "PGlite",
    skip: false,
    async setUp() {
      dataDir = await mkdtemp(join(tmpdir(), "switchyard-store-"));
    },
    open: () => createStore({ dataDir, logger }),
    async tearDown() {
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function expectGatewayError(promise: Promise<unknown>, code: Code): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(GatewayError);
  expect((error as GatewayError).code).toBe(code);
  return error as GatewayError;
}

for (const backend of [postgresBackend(), pgliteBackend()]) {
  // The embedded Postgres runs initdb on first open: seconds, not milliseconds.
  describe.skipIf(backend.skip)(`the store on ${backend.name}`, { timeout: 60_000 }, () => {
    let store: Store;
    let credentials: CredentialRepository;
    const channel = uniqueName("credentials_changed");

    beforeAll(async () => {
      await backend.setUp();
      store = backend.open();
      await migrate(store);
      credentials = new CredentialRepository(store, { channel });
    }, 60_000);
    afterAll(async () => {
      await store?.close();
      await backend.tearDown();
    });
    beforeEach(async () => {
      await store.query("delete from credentials");
    });

    it("applies each migration once: a second run changes nothing", async () => {
      expect((await migrate(store)).applied).toEqual([]);
      const rows = await store.query<{ version: number }>(
        "select version from switchyard_migrations order by version",
      );
      expect(rows.map((row) => row.version)).toEqual(migrations.map((migration) => migration.version));
    });

    it("records a migration only if all of it succeeded", async () => {
      const broken = {
        version: 1000,
        name: "broken",
        sql: "create table half_done (id int); select * from no_such_table;",
      };
      await expectGatewayError(migrate(store, [broken]), Code.Internal);
      const tables = await store.query(
        "select 1 from information_schema.tables where table_name = 'half_done'",
      );
      expect(tables).toEqual([]);
      const versions = await store.query("select 1 from switchyard_migrations where version = 1000");
      expect(versions).toEqual([]);
    });

    it("creates, reads and lists credentials with their values and info", async () => {
      const created = await credentials.create({
        name: "openai-prod",
        values: { api_key: "enc:1" },
        info: { provider: "openai" },
      });
      expect(created).toMatchObject({
        name: "openai-prod",
        values: { api_key: "enc:1" },
        info: { provider: "openai" },
      });
      expect(created.createdAt).toBeInstanceOf(Date);
      await credentials.create({ name: "azure", values: { api_key: "enc:2", api_base: "enc:3" } });
      expect(await credentials.get("openai-prod")).toEqual(created);
      expect(await credentials.get("missing")).toBeUndefined();
      const listed = await credentials.list();
      expect(listed.map((credential) => credential.name)).toEqual(["azure", "openai-prod"]);
      expect(listed[0]?.info).toEqual({});
    });

    it("refuses a second credential with the same name (ALREADY_EXISTS) and keeps the first", async () => {
      await credentials.create({ name: "dup", values: { api_key: "first" } });
      const error = await expectGatewayError(
        credentials.create({ name: "dup", values: { api_key: "second" } }),
        Code.AlreadyExists,
      );
      expect(error.httpStatus).toBe(409);
      expect((await credentials.get("dup"))?.values).toEqual({ api_key: "first" });
    });

    it("merges an update into the stored values and info", async () => {
      await credentials.create({
        name: "merge",
        values: { api_key: "old", api_base: "base" },
        info: { a: 1 },
      });
      const updated = await credentials.update("merge", { values: { api_key: "new" }, info: { b: 2 } });
      expect(updated.values).toEqual({ api_key: "new", api_base: "base" });
      expect(updated.info).toEqual({ a: 1, b: 2 });
      expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(updated.createdAt.getTime());
      expect(await credentials.get("merge")).toEqual(updated);
    });

    it("answers NOT_FOUND when updating or deleting an unknown credential", async () => {
      await expectGatewayError(credentials.update("ghost", { values: { api_key: "x" } }), Code.NotFound);
      const error = await expectGatewayError(credentials.delete("ghost"), Code.NotFound);
      expect(error.httpStatus).toBe(404);
    });

    it("deletes a credential", async () => {
      await credentials.create({ name: "gone", values: { api_key: "x" } });
      await credentials.delete("gone");
      expect(await credentials.get("gone")).toBeUndefined();
    });

    it("rewrites every credential's values in one transaction for key rotation", async () => {
      await credentials.create({ name: "a", values: { api_key: "a1" } });
      await credentials.create({ name: "b", values: { api_key: "b1", api_base: "b2" } });
      const count = await credentials.replaceAllValues((values) =>
        Object.fromEntries(Object.entries(values).map(([key, value]) => [key, `rotated:${value}`])),
      );
      expect(count).toBe(2);
      expect((await credentials.get("a"))?.values).toEqual({ api_key: "rotated:a1" });
      expect((await credentials.get("b"))?.values).toEqual({ api_key: "rotated:b1", api_base: "rotated:b2" });
    });

    it("leaves every credential unchanged when rotation fails half-way", async () => {
      for (const name of ["r1", "r2", "r3"])
        await credentials.create({ name, values: { api_key: `${name}-old` } });
      const before = await credentials.list();
      const failure = new Error("cannot decrypt r2");
      const seen: string[] = [];
      const rotation = credentials.replaceAllValues((values, name) => {
        seen.push(name);
        if (name === "r2") throw failure;
        return { api_key: `${values.api_key}-new` };
      });
      await expect(rotation).rejects.toBe(failure);
      expect(seen).toEqual(["r1", "r2"]);
      expect(await credentials.list()).toEqual(before);
    });

    it("tells listeners which credential changed, once the write commits", async () => {
      const names: Array<string | undefined> = [];
      let notified: () => void = () => {};
      const stop = await credentials.onCredentialsChanged((name) => {
        names.push(name);
        if (names.length === 3) notified();
      });
      const three = new Promise<void>((resolve) => {
        notified = resolve;
      });
      await credentials.create({ name: "n1", values: { api_key: "x" } });
      // A failed write notifies no one.
      await expectGatewayError(
        credentials.create({ name: "n1", values: { api_key: "y" } }),
        Code.AlreadyExists,
      );
      await credentials.update("n1", { info: { touched: true } });
      await credentials.replaceAllValues((values) => values);
      await three;
      await stop();
      expect(names).toEqual(["n1", "n1", undefined]);
    });

    it("fails with UNAVAILABLE, not a hang, once closed", async () => {
      const other = backend.open();
      await other.close();
      await expectGatewayError(other.query("select 1"), Code.Unavailable);
      expect(await other.health()).toBe("unavailable");
    });

    it("keeps its data across a restart", async () => {
      await credentials.create({ name: "durable", values: { api_key: "kept" }, info: { note: "survives" } });
      await store.close();
      store = backend.open();
      credentials = new CredentialRepository(store, { channel });
      expect((await migrate(store)).applied).toEqual([]);
      expect(await credentials.get("durable")).toMatchObject({
        values: { api_key: "kept" },
        info: { note: "survives" },
      });
    });

    // The embedded Postgres alone is single-process; a second Postgres client is the normal case.
    if (backend.name === "PGlite") {
      it("refuses to open a data directory another store has open", async () => {
        await store.health();
        const second = backend.open();
        // A fault no retry mends: it names the directory and what to do.
        const error = await expectGatewayError(second.query("select 1"), Code.FailedPrecondition);
        expect(error.rawMessage).toContain("already open");
        expect(error.rawMessage).toContain("--data-dir");
        await second.close();
        expect(await store.health()).toBe("connected");
      });
    }

    it("reports itself connected", async () => {
      expect(await store.health()).toBe("connected");
    });
  });
}
