import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { createLogger, type Logger } from "../../src/observability/logger.js";
import { createStore } from "../../src/store/create-store.js";
import type { Store } from "../../src/store/store.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { type RunningGateway, startGatewayWith } from "../helpers/start-gateway.js";
import { createSchema, POSTGRES_URL, postgresSkipReason } from "../store/postgres.js";

/** One database the gateway's store can live in, opened as often as a test likes (restarts, replicas). */
export interface StoreBackend {
  readonly name: string;
  /** Why the backend is not there (tests skip, except under CI where postgresSkipReason throws). */
  readonly skipReason: string | undefined;
  setUp(): Promise<void>;
  open(logger?: Logger): Store;
  tearDown(): Promise<void>;
}

const postgresSkip = await postgresSkipReason();
if (postgresSkip) console.warn(`credential tests on Postgres skipped: ${postgresSkip}`);

export function postgresBackend(): StoreBackend {
  let schema: Awaited<ReturnType<typeof createSchema>> | undefined;
  return {
    name: "Postgres",
    skipReason: postgresSkip,
    async setUp() {
      schema = await createSchema();
    },
    open: (logger = createLogger("silent")) =>
      createStore({ databaseUrl: POSTGRES_URL, dataDir: "unused", schema: schema?.schema, logger }),
    async tearDown() {
      await schema?.drop();
    },
  };
}

export function pgliteBackend(): StoreBackend {
  let dataDir = "";
  return {
    name: "PGlite",
    skipReason: undefined,
    async setUp() {
      dataDir = await mkdtemp(join(tmpdir(), "switchyard-credentials-"));
    },
    open: (logger = createLogger("silent")) => createStore({ dataDir, logger }),
    async tearDown() {
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export type StoreGateway = RunningGateway;

/** A real gateway on port 0 over `store` (migrated first), its stored credentials loaded. */
export async function startStoreGateway(
  yaml: string,
  options: { store?: Store; env?: NodeJS.ProcessEnv; logger?: Logger } = {},
): Promise<StoreGateway> {
  return startGatewayWith(yaml, {
    ...options,
    migrateStore: true,
    ready: (gateway) => gateway.credentialsReady,
  });
}

/** A pino logger at the most verbose level whose every line lands in `lines`. */
export function capturingLogger(lines: string[]): Logger {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString("utf8"));
      callback();
    },
  });
  return pino({ level: "trace" }, stream);
}

/** fetch with the master key (or the given key; null: none) and a JSON body. */
export async function call(
  url: string,
  method: string,
  body?: unknown,
  key: string | null = MASTER_KEY,
): Promise<{ status: number; body: unknown; text: string; headers: Headers }> {
  const response = await fetch(url, {
    method,
    headers: {
      ...(key !== null && { authorization: `Bearer ${key}` }),
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: response.status, body: parsed, text, headers: response.headers };
}

export function chat(url: string, model: string, key: string | null = MASTER_KEY) {
  return call(
    `${url}/v1/chat/completions`,
    "POST",
    { model, messages: [{ role: "user", content: "hi" }] },
    key,
  );
}
