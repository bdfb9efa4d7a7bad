import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { createLogger } from "../../src/observability/logger.js";
import { createStore } from "../../src/store/create-store.js";
import { CredentialRepository } from "../../src/store/credential-repository.js";
import { migrate } from "../../src/store/migrate.js";
import { migrations } from "../../src/store/migrations.js";
import type { Store } from "../../src/store/store.js";
import { startGatewayWith } from "../helpers/start-gateway.js";
import { adminClient, createSchema, POSTGRES_URL, postgresSkipReason, uniqueName } from "./postgres.js";

const skipReason = await postgresSkipReason();
if (skipReason) console.warn(`Postgres store tests skipped: ${skipReason}`);

const logger = createLogger("silent");

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === "object" && address ? address.port : 0;
}

/** A server that accepts connections and never says a word, like a host behind a dropping firewall. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe.skipIf(skipReason !== undefined)("the store on a real Postgres", () => {
  let schema: Awaited<ReturnType<typeof createSchema>>;
  const stores: Store[] = [];
  const open = () => {
    const store = createStore({
      databaseUrl: POSTGRES_URL,
      dataDir: "unused",
      schema: schema.schema,
      logger,
    });
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    schema = await createSchema();
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await schema?.drop();
  });

  it("applies migrations once when two replicas start at the same moment", async () => {
    const [first, second] = await Promise.all([migrate(open()), migrate(open())]);
    const versions = migrations.map((migration) => migration.version);
    expect([...first.applied, ...second.applied].sort((a, b) => a - b)).toEqual(versions);
    const rows = await open().query<{ version: number }>("select version from switchyard_migrations");
    expect(rows.map((row) => row.version).sort((a, b) => a - b)).toEqual(versions);
  });

  it("delivers a change made on one replica to another replica's listener", async () => {
    const channel = uniqueName("credentials_changed");
    const writer = new CredentialRepository(open(), { channel });
    const reader = new CredentialRepository(open(), { channel });
    let heard: (name: string | undefined) => void = () => {};
    const notification = new Promise<string | undefined>((resolve) => {
      heard = resolve;
    });
    const stop = await reader.onCredentialsChanged((name) => heard(name));
    await writer.create({ name: uniqueName("cross_replica"), values: { api_key: "x" } });
    expect(await notification).toMatch(/^cross_replica_/);
    await stop();
  });

  it("listens again by itself after its connection is killed, and asks listeners to reload", async () => {
    const channel = uniqueName("credentials_changed");
    const store = open();
    const repository = new CredentialRepository(store, { channel });
    const heard: Array<string | undefined> = [];
    let next: () => void = () => {};
    const stop = await repository.onCredentialsChanged((name) => {
      heard.push(name);
      next();
    });
    const nextNotification = () =>
      new Promise<void>((resolve) => {
        next = resolve;
      });

    const reload = nextNotification();
    const admin = await adminClient();
    try {
      const killed = await admin.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where query = $1 and pid <> pg_backend_pid()",
        [`listen "${channel}"`],
      );
      expect(killed.rowCount).toBe(1);
    } finally {
      await admin.end();
    }
    await reload;
    expect(heard).toEqual([undefined]);

    const change = nextNotification();
    await repository.notifyCredentialsChanged("after-reconnect");
    await change;
    expect(heard).toEqual([undefined, "after-reconnect"]);
    await stop();
  });

  it("survives its pooled connections being killed: the next query opens a new one", async () => {
    const store = open();
    const [{ pid }] = (await store.query<{ pid: number }>("select pg_backend_pid() as pid")) as [
      { pid: number },
    ];
    const admin = await adminClient();
    try {
      await admin.query("select pg_terminate_backend($1)", [pid]);
    } finally {
      await admin.end();
    }
    // Either the dead connection was already dropped, or this query finds out and fails as Unavailable.
    const first = await store.query("select 1 as one").catch((error: unknown) => error);
    if (first instanceof GatewayError) expect(first.code).toBe(Code.Unavailable);
    expect(await store.query("select 1 as one")).toEqual([{ one: 1 }]);
    expect(await store.health()).toBe("connected");
  });

  it("survives its session being ended inside a transaction: the transaction fails, the process does not", async () => {
    const store = open();
    const failed = await store
      .transaction(async (transaction) => {
        const [row] = await transaction.query<{ pid: number }>("select pg_backend_pid() as pid");
        const admin = await adminClient();
        try {
          await admin.query("select pg_terminate_backend($1)", [row!.pid]);
        } finally {
          await admin.end();
        }
        // The server ended the session while the client was checked out and idle between queries:
        // its 'error' event comes now, and then this query fails.
        await new Promise((resolve) => setImmediate(resolve));
        return transaction.query("select 1 as one");
      })
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(GatewayError);
    expect((failed as GatewayError).code).toBe(Code.Unavailable);
    // The broken session was discarded, not put back in the pool.
    expect(await store.transaction((transaction) => transaction.query("select 1 as one"))).toEqual([
      { one: 1 },
    ]);
  });
});

describe("a Postgres that is not there", () => {
  it("fails queries and transactions at once with UNAVAILABLE, naming no credentials", async () => {
    const port = await closedPort();
    const store = createStore({
      databaseUrl: `postgres://admin:s3cret-pw@127.0.0.1:${port}/app`,
      dataDir: "unused",
      logger,
    });
    try {
      const error = await rejection(store.query("select 1"));
      expect(error.code).toBe(Code.Unavailable);
      expect(error.httpStatus).toBe(503);
      expect(error.retryable).toBe(true);
      expect(error.rawMessage).toBe("the database is unavailable (ECONNREFUSED)");
      const failed = await rejection(store.transaction(async (transaction) => transaction.query("select 1")));
      expect(failed.code).toBe(Code.Unavailable);
      expect(`${failed.message} ${error.message}`).not.toContain("s3cret");
      expect(await store.health()).toBe("unavailable");
    } finally {
      await store.close();
    }
  });

  it("gives up on a server that never answers after the connect timeout", async () => {
    const silent = await silentServer();
    const store = createStore({
      databaseUrl: `postgres://postgres@127.0.0.1:${silent.port}/app`,
      dataDir: "unused",
      connectTimeoutMs: 200,
      logger,
    });
    try {
      const started = Date.now();
      const error = await rejection(store.query("select 1"));
      expect(error.code).toBe(Code.Unavailable);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await store.close();
      await silent.close();
    }
  });
});

describe("the readiness probe", () => {
  async function readiness(
    store: Store | undefined,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const running = await startGatewayWith("model_list: []\n", { logger, ...(store && { store }) });
    try {
      const response = await fetch(`${running.url}/health/readiness`);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    } finally {
      await running.close();
    }
  }

  it("says the database is unavailable and the gateway degraded, yet stays ready, when Postgres is down", async () => {
    const store = createStore({
      databaseUrl: `postgres://postgres@127.0.0.1:${await closedPort()}/app`,
      dataDir: "unused",
      logger,
    });
    try {
      expect(await readiness(store)).toEqual({
        status: 200,
        body: expect.objectContaining({ status: "degraded", db: "unavailable" }),
      });
    } finally {
      await store.close();
    }
  });

  it.skipIf(skipReason !== undefined)("says the database is connected when Postgres answers", async () => {
    const store = createStore({ databaseUrl: POSTGRES_URL, dataDir: "unused", logger });
    try {
      expect((await readiness(store)).body.db).toBe("connected");
    } finally {
      await store.close();
    }
  });

  it("says Not connected when the gateway runs without a store", async () => {
    expect((await readiness(undefined)).body.db).toBe("Not connected");
  });
});
