import { Code } from "@connectrpc/connect";
import { LightSignal } from "../calls/light-signal.js";
import { GatewayError } from "../errors/gateway-error.js";

/** What the deadline is counting: the answer (or a stream's first message), or silence mid-stream. */
export type DeadlinePhase = "answer" | "stall";

/**
 * The deadline of one upstream attempt: its own signal (a LightSignal,
 * cheaper than Node's), aborted by one timer of ours (undici's timers tick
 * coarsely, 0.5–1 s late) or when the caller's signal aborts. One timer and
 * one listener on the caller's signal per attempt, however many requests
 * the attempt makes with the signal.
 *
 * A stream keeps its attempt's deadline after the first message: `restart`
 * switches it to the stall limit once, and `refresh` re-arms it per message
 * without allocating.
 */
export class AttemptDeadline {
  readonly #signal = new LightSignal();
  readonly #caller: AbortSignal;
  readonly #deploymentId: string;
  #timer: NodeJS.Timeout | undefined;
  #limitMs = 0;
  #phase: DeadlinePhase = "answer";
  readonly #onCallerAbort = () => {
    this.clear();
    this.#signal.abort(this.#caller.reason);
  };
  readonly #onTimeout = () => {
    this.#timer = undefined;
    this.clear();
    this.#signal.abort(this.#error());
  };

  readonly #live: Set<AttemptDeadline>;

  /** `live` holds every attempt under way (so shutdown can cut them); this one is in it until cleared. */
  constructor(caller: AbortSignal, deploymentId: string, limitMs: number, live: Set<AttemptDeadline>) {
    this.#caller = caller;
    this.#deploymentId = deploymentId;
    this.#live = live;
    if (caller.aborted) {
      this.#signal.abort(caller.reason);
      return;
    }
    live.add(this);
    caller.addEventListener("abort", this.#onCallerAbort, { once: true });
    this.restart(limitMs, "answer");
  }

  /** Aborts when the caller does or the limit passes (with a DeadlineExceeded GatewayError). */
  get signal(): AbortSignal {
    return this.#signal;
  }

  /** Starts the count again, from now, with a new limit. */
  restart(limitMs: number, phase: DeadlinePhase): void {
    if (this.#signal.aborted) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#limitMs = limitMs;
    this.#phase = phase;
    this.#timer = setTimeout(this.#onTimeout, limitMs);
  }

  /** Starts the count again, from now, with the same limit: a stream's message arrived. */
  refresh(): void {
    this.#timer?.refresh();
  }

  /**
   * The attempt failed: requests still running on its signal (the other
   * prompts of a fanned-out call) are aborted rather than left to finish.
   */
  abandon(): void {
    if (!this.#signal.aborted) {
      this.cut(new GatewayError({ code: Code.Canceled, message: "another request of the attempt failed" }));
    } else this.clear();
  }

  /** Ends the attempt now with `reason` (the gateway is shutting down): its requests fail with it. */
  cut(reason: GatewayError): void {
    this.clear();
    this.#signal.abort(reason);
  }

  /** The attempt is over: no timer, no listener left behind. */
  clear(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#caller.removeEventListener("abort", this.#onCallerAbort);
    this.#live.delete(this);
  }

  #error(): GatewayError {
    const what =
      this.#phase === "answer"
        ? `did not answer within ${this.#limitMs} ms`
        : `sent nothing for ${this.#limitMs} ms mid-stream`;
    return new GatewayError({
      code: Code.DeadlineExceeded,
      message: `deployment \`${this.#deploymentId}\` ${what}`,
      errorCode: "timeout",
      retryable: true,
    });
  }
}
