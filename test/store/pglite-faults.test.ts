import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { createLogger } from "../../src/observability/logger.js";
import { migrate } from "../../src/store/migrate.js";
import { PgliteStore } from "../../src/store/pglite-store.js";
import { runCli } from "../helpers/spawn-gateway.js";

const logger = createLogger("silent");
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "switchyard-faults-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function openStore(dir: string): PgliteStore {
  const store = new PgliteStore({ dataDir: dir, logger });
  cleanups.push(() => store.close());
  return store;
}

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

describe("the embedded store's worker", { timeout: 120_000 }, () => {
  it("rejects what the worker had in hand when it dies, and answers again from a new one", async () => {
    const store = openStore(await dataDir());
    await migrate(store);
    const heard: Array<string | undefined> = [];
    let back: () => void = () => undefined;
    const reloaded = new Promise<void>((resolve) => {
      back = resolve;
    });
    await store.listen("changes", (payload) => {
      heard.push(payload);
      if (payload === undefined) back();
    });
    // Started, then the worker is gone before it answers: the caller hears Unavailable, it does not hang.
    const inFlight = store.query("select pg_sleep(5)");
    await store.crashWorker();
    expect((await failure(inFlight)).code).toBe(Code.Unavailable);
    // Listeners learn they may have missed notifications once a new worker listens again.
    await reloaded;
    expect(await store.query<{ answer: number }>("select 1 as answer")).toEqual([{ answer: 1 }]);
    await store.query("select pg_notify('changes', 'after')");
    await expect.poll(() => heard).toEqual([undefined, "after"]);
    expect(await store.health()).toBe("connected");
  });

  it("runs a transaction's statements together, committed or rolled back, with other callers kept out", async () => {
    const store = openStore(await dataDir());
    await store.exec("create table counter (n integer)");
    const outside = store.transaction(async (transaction) => {
      await transaction.query("insert into counter values (1)");
      // Another caller's statement waits for this transaction; it must not see the row half-way.
      const other = store.query<{ count: number }>("select count(*)::int as count from counter");
      await transaction.query("insert into counter values (2)");
      // Wrapped: returning the promise itself would make the transaction wait for it.
      return { other };
    });
    expect(await (await outside).other).toEqual([{ count: 2 }]);
    const failed = new Error("body failed");
    await expect(
      store.transaction(async (transaction) => {
        await transaction.query("insert into counter values (3)");
        throw failed;
      }),
    ).rejects.toBe(failed);
    expect(await store.query("select n from counter order by n")).toEqual([{ n: 1 }, { n: 2 }]);
  });
});

describe("a data directory the embedded store cannot use", { timeout: 120_000 }, () => {
  it("in use by another process: refused, naming the directory and what to do, the lock left alone", async () => {
    const dir = await dataDir();
    // Our parent (the test runner) is alive and not us: the lock's owner.
    await writeFile(join(dir, "switchyard.lock"), String(process.ppid));
    const error = await failure(openStore(dir).query("select 1"));
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(error.rawMessage).toContain(dir);
    expect(error.rawMessage).toContain(`in use by process ${process.ppid}`);
    expect(error.rawMessage).toContain("--data-dir");
    expect(await readFile(join(dir, "switchyard.lock"), "utf8")).toBe(String(process.ppid));
  });

  it("a file where the directory should be: refused, the file untouched", async () => {
    const dir = join(await dataDir(), "not-a-directory");
    await writeFile(dir, "keep me");
    const error = await failure(openStore(dir).query("select 1"));
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(error.rawMessage).toContain(dir);
    expect(await readFile(dir, "utf8")).toBe("keep me");
  });

  it("a pgdata folder that holds no cluster: refused, not overwritten", async () => {
    const dir = await dataDir();
    await mkdir(join(dir, "pgdata"));
    await writeFile(join(dir, "pgdata", "precious.txt"), "data");
    const error = await failure(openStore(dir).query("select 1"));
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(error.rawMessage).toContain(dir);
    expect(await readFile(join(dir, "pgdata", "precious.txt"), "utf8")).toBe("data");
  });

  it("a corrupt cluster: refused with what to do, its files left as they were", async () => {
    const dir = await dataDir();
    const first = new PgliteStore({ dataDir: dir, logger });
    await migrate(first);
    await first.close();
    const control = join(dir, "pgdata", "global", "pg_control");
    await writeFile(control, Buffer.alloc(8192, 0x5a));
    const error = await failure(openStore(dir).query("select 1"));
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(error.rawMessage).toContain(dir);
    expect(error.rawMessage).toContain("restore it from a backup");
    expect(await readFile(control)).toEqual(Buffer.alloc(8192, 0x5a));
  });

  it("a schema from a newer Switchyard: migrate refuses and changes nothing", async () => {
    const dir = await dataDir();
    const store = openStore(dir);
    await migrate(store);
    await store.query("insert into switchyard_migrations (version, name) values (9999, 'from the future')");
    const error = await failure(migrate(store));
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(error.rawMessage).toContain("newer");
    const versions = await store.query<{ version: number }>(
      "select version from switchyard_migrations where version = 9999",
    );
    expect(versions).toEqual([{ version: 9999 }]);
  });

  it("stops the gateway's start with one line naming the directory", async () => {
    const dir = await dataDir();
    await writeFile(join(dir, "switchyard.lock"), String(process.ppid));
    const { code, output } = await runCli(["--port", "0", "--host", "127.0.0.1", "--data-dir", dir], {
      DATABASE_URL: "",
      LOG_LEVEL: "silent",
    });
    expect(code).toBe(1);
    const lines = output.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^switchyard: cannot start the store: /);
    expect(lines[0]).toContain(dir);
  });
});
