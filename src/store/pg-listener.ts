import pg from "pg";
import type { Logger } from "../observability/logger.js";
import { ChannelListeners } from "./channel-listeners.js";
import type { NotificationListener } from "./store.js";
import { storeUnavailable } from "./store-errors.js";

interface ListeningClient {
  readonly client: pg.Client;
  /** Channels this connection has LISTENed on. */
  readonly channels: Set<string>;
  /** The last LISTEN/UNLISTEN sent: pg wants one query at a time per client. */
  queue: Promise<unknown>;
}

/** Sends `sql` after the connection's previous LISTEN/UNLISTEN has finished. */
function serially(listening: ListeningClient, sql: string): Promise<unknown> {
  const sent = listening.queue.then(() => listening.client.query(sql));
  listening.queue = sent.catch(() => undefined);
  return sent;
}

const firstRetryMs = 250;
const maxRetryMs = 5000;

/**
 * LISTEN needs a session of its own (a pooled client would lose its LISTENs
 * when handed to someone else), so notifications arrive on one dedicated
 * connection, opened on the first `listen`. When it drops, it reconnects with
 * backoff, re-LISTENs every channel and then calls every listener with
 * `undefined`, since notifications sent during the outage are gone.
 */
export class PgListener {
  readonly #config: pg.ClientConfig;
  readonly #logger: Logger;
  readonly #listeners: ChannelListeners;
  #current: ListeningClient | undefined;
  #connecting: Promise<ListeningClient> | undefined;
  #wake: (() => void) | undefined;
  #closed = false;

  constructor(options: { config: pg.ClientConfig; logger: Logger }) {
    this.#config = options.config;
    this.#logger = options.logger;
    this.#listeners = new ChannelListeners(options.logger);
  }

  async listen(channel: string, listener: NotificationListener): Promise<() => Promise<void>> {
    const registered = this.#listeners.add(channel, listener);
    // Until LISTEN has run on a live connection; a connection lost meanwhile re-LISTENs on the next one.
    while (!this.#closed) {
      const listening = this.#current ?? (await this.#connect());
      if (listening.channels.has(channel)) break;
      try {
        await serially(listening, `listen ${quoteChannel(channel)}`);
        listening.channels.add(channel);
        break;
      } catch {
        this.#dropped(listening);
      }
    }
    return async () => {
      registered.delete(listener);
      if (!this.#listeners.release(channel, registered)) return;
      const listening = this.#current;
      if (!listening?.channels.delete(channel)) return;
      await serially(listening, `unlisten ${quoteChannel(channel)}`).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    const listening = this.#current;
    this.#current = undefined;
    await listening?.client.end().catch(() => undefined);
  }

  #connect(): Promise<ListeningClient> {
    this.#connecting ??= this.#connectWithRetry().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connectWithRetry(): Promise<ListeningClient> {
    let delay = firstRetryMs;
    let failures = 0;
    while (!this.#closed) {
      const client = new pg.Client(this.#config);
      const listening: ListeningClient = { client, channels: new Set(), queue: Promise.resolve() };
      // Handlers stay attached for the client's whole life: an unhandled "error" would crash the process.
      client.on("error", () => this.#dropped(listening));
      client.on("end", () => this.#dropped(listening));
      client.on("notification", (message) => this.#listeners.deliver(message.channel, message.payload));
      try {
        await client.connect();
        for (const channel of this.#listeners.channels()) {
          await client.query(`listen ${quoteChannel(channel)}`);
          listening.channels.add(channel);
        }
      } catch (error) {
        await client.end().catch(() => undefined);
        if (failures++ === 0) {
          this.#logger.warn(
            { code: (error as { code?: unknown }).code },
            "store: cannot open the Postgres notification connection; retrying",
          );
        }
        await this.#sleep(delay);
        delay = Math.min(delay * 2, maxRetryMs);
        continue;
      }
      if (this.#closed) {
        await client.end().catch(() => undefined);
        break;
      }
      this.#current = listening;
      if (failures > 0) this.#logger.info("store: Postgres notification connection restored");
      return listening;
    }
    throw storeUnavailable(undefined, "the store is closed");
  }

  /** The connection failed or ended: reconnect, then tell every listener it may have missed notifications. */
  #dropped(listening: ListeningClient): void {
    if (this.#current !== listening) return;
    this.#current = undefined;
    listening.client.end().catch(() => undefined);
    if (this.#closed) return;
    this.#logger.warn("store: the Postgres notification connection dropped; reconnecting");
    this.#connect().then(
      () => this.#listeners.deliverLost(),
      () => undefined,
    );
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** LISTEN takes an identifier, not a parameter. */
export function quoteChannel(channel: string): string {
  return `"${channel.replaceAll('"', '""')}"`;
}
