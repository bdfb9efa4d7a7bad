import type { Logger } from "../observability/logger.js";
import type { NotificationListener } from "./store.js";

/**
 * Who listens on which NOTIFY channel, for a store backend that LISTENs once
 * per channel whatever the number of listeners: the first listener of a
 * channel is when to LISTEN, the last one gone when to UNLISTEN.
 */
export class ChannelListeners {
  readonly #byChannel = new Map<string, Set<NotificationListener>>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  get size(): number {
    return this.#byChannel.size;
  }

  channels(): IterableIterator<string> {
    return this.#byChannel.keys();
  }

  /** Adds `listener`; answers the channel's set, which `release` needs (a channel dropped and re-added has another). */
  add(channel: string, listener: NotificationListener): Set<NotificationListener> {
    let listeners = this.#byChannel.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.#byChannel.set(channel, listeners);
    }
    listeners.add(listener);
    return listeners;
  }

  /** Forgets the channel once `registered` (from `add`) is empty and still its set; true then: time to UNLISTEN. */
  release(channel: string, registered: Set<NotificationListener>): boolean {
    if (registered.size > 0 || this.#byChannel.get(channel) !== registered) return false;
    this.#byChannel.delete(channel);
    return true;
  }

  /** A listener that throws is logged, and the others are still told. */
  deliver(channel: string, payload: string | undefined): void {
    for (const listener of this.#byChannel.get(channel) ?? []) {
      try {
        listener(payload);
      } catch (error) {
        this.#logger.error({ err: error, channel }, "store: a notification listener threw");
      }
    }
  }

  /** After an outage: the notifications sent meanwhile are lost, so every listener reloads everything. */
  deliverLost(): void {
    for (const channel of this.#byChannel.keys()) this.deliver(channel, undefined);
  }
}
