import { randomUUID } from "node:crypto";
import { createServer, type Server, Socket } from "node:net";
import { Redis } from "ioredis";

/** The machine's Redis (`.ci/run` starts it when it is down). */
export const REDIS_URL = process.env.SWITCHYARD_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/**
 * Whether tests may run against Redis. Under CI a missing Redis is an error
 * (thrown, so the suite fails); elsewhere it returns a reason to skip, which
 * vitest prints.
 */
export async function redisSkipReason(): Promise<string | undefined> {
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    const reason = `no Redis at ${REDIS_URL} (${error instanceof Error ? error.message : String(error)})`;
    if (process.env.CI === "true" || process.env.CI === "1") throw new Error(`${reason}: CI needs Redis`);
    return reason;
  } finally {
    client.disconnect();
  }
}

/** A key prefix no other test run uses. */
export function uniqueKeyPrefix(): string {
  return `switchyard:router:test-${randomUUID()}:`;
}

/** A plain client for asserting what is in Redis. */
export function redisClient(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
}

/** Deletes every key under the prefix. */
export async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    if (keys.length > 0) await client.del(keys);
    cursor = next;
  } while (cursor !== "0");
}

/**
 * A TCP proxy in front of the real Redis that a test can take down and bring
 * back on the same port, to stage an outage without touching the server.
 */
export interface RedisProxy {
  readonly url: string;
  /** Refuses new connections and cuts the open ones. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startRedisProxy(): Promise<RedisProxy> {
  const target = new URL(REDIS_URL);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = async () => {
    const listening = createServer((client) => {
      const upstream = new Socket();
      sockets.add(client).add(upstream);
      const forget = () => {
        sockets.delete(client);
        sockets.delete(upstream);
        client.destroy();
        upstream.destroy();
      };
      client.on("close", forget).on("error", forget);
      upstream.on("close", forget).on("error", forget);
      upstream.connect(Number(target.port || 6379), target.hostname, () => {
        client.pipe(upstream).pipe(client);
      });
    });
    await new Promise<void>((resolve, reject) => {
      listening.once("error", reject);
      listening.listen(port, "127.0.0.1", () => resolve());
    });
    const address = listening.address();
    if (address && typeof address === "object") port = address.port;
    server = listening;
  };
  const stop = async () => {
    const closing = server;
    server = undefined;
    if (!closing) return;
    const closed = new Promise<void>((resolve) => closing.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await closed;
  };
  await listen();
  return {
    url: `redis://127.0.0.1:${port}`,
    stop,
    start: listen,
    close: stop,
  };
}
