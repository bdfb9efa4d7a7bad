import { MASTER_KEY } from "../helpers/master-key.js";
import { uniqueKeyPrefix } from "../helpers/redis.js";
import { type GatewayProcess, spawnGateway } from "../helpers/spawn-gateway.js";
import { POSTGRES_URL } from "../store/postgres.js";

export const SALT_KEY = "fleet-salt-key";

/** What every replica of one fleet shares: the config file, one Postgres schema, one Redis prefix. */
export interface FleetSettings {
  configPath: string;
  schema: string;
  redisUrl: string;
  redisPrefix: string;
}

export function fleetSettings(configPath: string, schema: string, redisUrl: string): FleetSettings {
  return { configPath, schema, redisUrl, redisPrefix: uniqueKeyPrefix() };
}

/** A connection string whose sessions use `schema`, as a replica's DATABASE_URL. */
export function databaseUrlFor(schema: string): string {
  const url = new URL(POSTGRES_URL);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return url.toString();
}

/** One replica as users run it: `switchyard --config`, its own process, the shared Postgres and Redis. */
export function startReplica(settings: FleetSettings): Promise<GatewayProcess> {
  return spawnGateway(["--config", settings.configPath], {
    DATABASE_URL: databaseUrlFor(settings.schema),
    REDIS_URL: settings.redisUrl,
    SWITCHYARD_REDIS_PREFIX: settings.redisPrefix,
    // The test machine is loaded; a replica must not fall back to local counting because of that.
    SWITCHYARD_REDIS_TIMEOUT_MS: "3000",
    LITELLM_SALT_KEY: SALT_KEY,
    SWITCHYARD_SHUTDOWN_GRACE_MS: "20000",
  });
}

export function portOf(replica: GatewayProcess): number {
  return Number(new URL(replica.url).port);
}

/** A JSON answer's fields these tests read. */
export type JsonAnswer = { key?: string; db?: string; text?: string } & Record<string, unknown>;

/** A JSON call with the master key (or `key`); resolves with status and parsed body. */
export async function call(
  url: string,
  method: string,
  body?: unknown,
  key: string = MASTER_KEY,
): Promise<{ status: number; body: JsonAnswer }> {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: JsonAnswer = {};
  try {
    parsed = JSON.parse(text) as JsonAnswer;
  } catch {
    parsed = { text };
  }
  return { status: response.status, body: parsed };
}

/** Status of one chat completion for `model` through `baseUrl` with `key`. */
export async function chatStatus(baseUrl: string, model: string, key: string, text = "hi"): Promise<number> {
  const answer = await call(
    `${baseUrl}/v1/chat/completions`,
    "POST",
    { model, messages: [{ role: "user", content: text }] },
    key,
  );
  return answer.status;
}

/**
 * Polls `condition` every 20 ms until it holds; resolves with the milliseconds it took, or rejects
 * after `limitMs`.
 */
export async function timeUntil(condition: () => Promise<boolean>, limitMs = 10_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await condition()) return performance.now() - started;
    if (performance.now() - started > limitMs) throw new Error(`condition not met within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
