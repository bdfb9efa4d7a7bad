import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";
import { Writable } from "node:stream";
import { setTimeout as wait } from "node:timers/promises";
import { create } from "@bufbuild/protobuf";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageSchema } from "../../gen/switchyard/v1/chat_pb.js";
import type { CallRecord } from "../../src/accounting/call-record.js";
import { SpendLog } from "../../src/accounting/spend-log.js";
import { createStore } from "../../src/store/create-store.js";
import { migrate } from "../../src/store/migrate.js";
import { SpendRepository } from "../../src/store/spend-repository.js";
import type { Store } from "../../src/store/store.js";
import { createSchema, POSTGRES_URL, postgresSkipReason } from "../store/postgres.js";

const skipReason = await postgresSkipReason();
if (skipReason) console.warn(`spend log outage tests skipped: ${skipReason}`);

/**
 * A TCP relay in front of Postgres that can go dark: while down it cuts
 * every connection and refuses new ones, as a database that went away does.
 */
interface Relay {
  readonly port: number;
  down(): void;
  up(): void;
  close(): Promise<void>;
}

async function startRelay(target: URL): Promise<Relay> {
  let isDown = false;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const server: Server = createServer((client) => {
    track(client);
    if (isDown) {
      client.destroy();
      return;
    }
    const database = connect(Number(target.port || 5432), target.hostname);
    track(database);
    client.pipe(database).pipe(client);
    client.on("close", () => database.destroy());
    database.on("close", () => client.destroy());
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    down() {
      isDown = true;
      for (const socket of sockets) socket.destroy();
    },
    up() {
      isDown = false;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A finished call as the completion service reports it. */
function callRecord(callId: string, overrides: Partial<CallRecord> = {}): CallRecord {
  return {
    callId,
    kind: "chat",
    stream: false,
    surface: "rest",
    requestedModel: "gpt-test",
    modelGroup: "gpt-test",
    deploymentId: "gpt-test-1",
    provider: "openai",
    upstreamModel: "gpt-4o-mini",
    startTime: Date.now(),
    latencyMs: 12.5,
    overheadMs: 0.4,
    usage: create(UsageSchema, { promptTokens: 7, completionTokens: 3, totalTokens: 10 }),
    costUsd: 0.0000029,
    retries: 0,
    fallbacks: 0,
    principal: { kind: "master" },
    request: {},
    ...overrides,
  };
}

function capturingLogger(lines: string[]) {
  return pino(
    { level: "info" },
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
        callback();
      },
    }),
  );
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met within 10 s");
    await wait(20);
  }
}

describe.skipIf(skipReason !== undefined)("the spend log through a store outage", () => {
  let schema: Awaited<ReturnType<typeof createSchema>>;
  let relay: Relay;
  let store: Store;

  beforeAll(async () => {
    schema = await createSchema();
    relay = await startRelay(new URL(POSTGRES_URL));
    const url = new URL(POSTGRES_URL);
    url.host = `127.0.0.1:${relay.port}`;
    store = createStore({
      databaseUrl: url.toString(),
      dataDir: "unused",
      schema: schema.schema,
      connectTimeoutMs: 1000,
      logger: pino({ level: "silent" }),
    });
    await migrate(store);
  });
  afterAll(async () => {
    await store?.close();
    await relay?.close();
    await schema?.drop();
  });

  const storedIds = async () =>
    (await store.query<{ request_id: string }>("select request_id from spend_logs order by request_id")).map(
      (row) => row.request_id,
    );

  it("keeps rows up to its cap while the store is down, and writes them once it is back", async () => {
    const lines: string[] = [];
    const log = new SpendLog({
      writer: new SpendRepository(store),
      logger: capturingLogger(lines),
      flushIntervalMs: 20,
      maxBufferedRows: 5,
    });
    try {
      relay.down();
      for (const id of ["r1", "r2", "r3"]) log.record(callRecord(id));
      await log.flush();
      expect(log.buffered).toBe(3);
      expect(log.dropped).toBe(0);

      for (const id of ["r4", "r5", "r6", "r7"]) log.record(callRecord(id));
      expect(log.buffered).toBe(5);
      expect(log.dropped).toBe(2);
      await log.flush();
      await log.flush();
      expect(log.buffered).toBe(5);

      const warnings = lines.map((line) => JSON.parse(line) as { level: number; msg: string });
      expect(warnings.filter((line) => line.msg.includes("unavailable"))).toHaveLength(1);
      expect(warnings.filter((line) => line.msg.includes("buffer full"))).toHaveLength(1);

      relay.up();
      await until(() => log.buffered === 0);
      // The two oldest went over the cap; the rest landed, once each.
      expect(await storedIds()).toEqual(["r3", "r4", "r5", "r6", "r7"]);
      expect(lines.some((line) => line.includes("takes writes again"))).toBe(true);
    } finally {
      relay.up();
      await log.close();
    }
  });

  it("stores what callers send even where Postgres refuses the raw text", async () => {
    await store.query("delete from spend_logs");
    const log = new SpendLog({
      writer: new SpendRepository(store),
      logger: pino({ level: "silent" }),
      flushIntervalMs: 3_600_000,
    });
    log.record(
      callRecord("nul", {
        requestedModel: "gpt\u0000test",
        user: "user\uD800",
        metadata: { "key\u0000": "value\uDC00" },
      }),
    );
    log.record(callRecord("clean"));
    await log.close();
    expect(log.dropped).toBe(0);
    const [row] = await store.query<{ model: string; end_user: string; metadata: Record<string, string> }>(
      "select model, end_user, metadata from spend_logs where request_id = 'nul'",
    );
    expect(row).toEqual({
      model: "gpt\uFFFDtest",
      end_user: "user\uFFFD",
      metadata: { "key\uFFFD": "value\uFFFD" },
    });
    expect(await storedIds()).toEqual(["clean", "nul"]);
  });

  it("writes nothing before the schema is ready, and does not hold up shutdown for it", async () => {
    await store.query("delete from spend_logs");
    const lines: string[] = [];
    let migrated: (ready: boolean) => void = () => undefined;
    const log = new SpendLog({
      writer: new SpendRepository(store),
      logger: capturingLogger(lines),
      flushIntervalMs: 20,
      ready: new Promise<boolean>((resolve) => {
        migrated = resolve;
      }),
    });
    log.record(callRecord("early"));
    await log.flush();
    expect(log.buffered).toBe(1);
    migrated(true);
    await until(() => log.buffered === 0);
    expect(await storedIds()).toEqual(["early"]);

    const never = new SpendLog({
      writer: new SpendRepository(store),
      logger: capturingLogger(lines),
      ready: new Promise<boolean>(() => undefined),
    });
    never.record(callRecord("never"));
    await never.close();
    await log.close();
    expect(lines.some((line) => line.includes("rows not written at shutdown"))).toBe(true);
    expect(await storedIds()).toEqual(["early"]);
  });
});
