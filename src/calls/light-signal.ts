/**
 * An AbortSignal for the per-call path: the REST doors' "the caller left"
 * and each upstream attempt's deadline. Node's own is an EventTarget: on
 * Node 20 one costs 4–8 µs to create and ~2 µs for each listener added and
 * removed, and every call made two and a listener per upstream request.
 * This one keeps its listeners in an array.
 *
 * It serves what a signal is asked for on that path: `aborted`, `reason`,
 * `throwIfAborted` and "abort" listeners (ours, undici's, node:timers'),
 * each called once with an "abort" Event, as an EventTarget calls them. It
 * is not an EventTarget: `AbortSignal.any`, `fetch` and
 * `events.setMaxListeners` refuse it, so code that may hand a signal to
 * those reads the context's real `signal` instead (see callerSignal).
 */
type Listener = Parameters<AbortSignal["addEventListener"]>[1];

export class LightSignal implements AbortSignal {
  aborted = false;
  onabort: ((this: AbortSignal, event: Event) => unknown) | null = null;
  #listeners: Listener[] = [];
  #reason: unknown = undefined;

  /** The abort's reason; a DOMException AbortError when it was given none. */
  get reason(): unknown {
    // Built when first read: a DOMException captures a stack (~5 µs, and its frames stay alive
    // with it), and most signals end with the call, aborted with no reason and no one to read it.
    if (this.aborted && this.#reason === undefined) {
      this.#reason = new DOMException("This operation was aborted", "AbortError");
    }
    return this.#reason;
  }

  /** Aborts with `reason` (a DOMException AbortError when none), calling each listener once. */
  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.#reason = reason;
    const listeners = this.#listeners;
    if (listeners.length === 0 && this.onabort === null) return;
    this.#listeners = [];
    const event = new Event("abort");
    if (this.onabort) this.#call(this.onabort, event);
    for (const listener of listeners) this.#call(listener, event);
  }

  addEventListener(
    type: string,
    listener: Listener | null,
    _options?: Parameters<AbortSignal["addEventListener"]>[2],
  ): void {
    // Abort happens once, so every listener is a `once` listener; added after it, one is never called.
    if (type !== "abort" || listener === null || this.aborted || this.#listeners.includes(listener)) return;
    this.#listeners.push(listener);
  }

  removeEventListener(
    type: string,
    listener: Listener | null,
    _options?: Parameters<AbortSignal["removeEventListener"]>[2],
  ): void {
    if (type !== "abort" || listener === null) return;
    const index = this.#listeners.indexOf(listener);
    if (index >= 0) this.#listeners.splice(index, 1);
  }

  dispatchEvent(event: Event): boolean {
    // As on an EventTarget: the listeners hear it, the signal's state stays as it is.
    if (event.type === "abort") for (const listener of [...this.#listeners]) this.#call(listener, event);
    return true;
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  #call(listener: Listener | ((event: Event) => unknown), event: Event): void {
    try {
      if (typeof listener === "function") listener.call(this, event);
      else listener.handleEvent(event);
    } catch (error) {
      // As an EventTarget reports a listener's error: uncaught, after the other listeners ran.
      process.nextTick(() => {
        throw error;
      });
    }
  }
}
