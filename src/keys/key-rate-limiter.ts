import { Code } from "@connectrpc/connect";
import type { AdmittedCall, CallWeight } from "../calls/call-admission.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { MinuteUsage, RouterState } from "../router/router-state.js";
import { keyLabel } from "./model-access.js";
import { type RateLimitSnapshot, setRateLimitHeaders } from "./rate-limit-headers.js";
import type { VirtualKey } from "./virtual-key.js";

/** Counters of keys live beside the deployments' in the router state, under ids that cannot clash. */
const KEY_COUNTER_PREFIX = "key:";
const noUsage: MinuteUsage = { requests: 0, tokens: 0 };
const oneRequest: CallWeight = { requests: 1, parallel: 1 };
/** What a caller refused for parallel calls is told to wait: a slot frees when any call ends. */
const PARALLEL_RETRY_AFTER_MS = 1000;

/** Whether the key has any limit the rate limiter enforces. */
export function hasRateLimits(key: VirtualKey): boolean {
  return key.rpmLimit !== undefined || key.tpmLimit !== undefined || key.maxParallelRequests !== undefined;
}

/**
 * A virtual key's rpm_limit, tpm_limit and max_parallel_requests, counted in
 * the router's state: in process, or in Redis (shared by every replica, and
 * local while Redis is away) when one is configured. Minutes are clock
 * minutes, as for deployments. Tokens are counted when a call ends (from its
 * usage); a call is refused once the minute's tokens have reached the limit.
 *
 * The counters a call needs are asked for together, before any await, so
 * with Redis they travel in one round trip. A refused call is not counted
 * against the minute's requests; with both an rpm and a parallel limit that
 * takes a second round trip (the parallel slot first, as it can be given back).
 */
export class KeyRateLimiter {
  readonly #state: RouterState;
  readonly #now: () => number;

  /** @param now epoch ms; default Date.now. */
  constructor(state: RouterState, now: () => number = Date.now) {
    this.#state = state;
    this.#now = now;
  }

  /**
   * Takes a request (and a parallel slot) for the key or throws 429 /
   * RESOURCE_EXHAUSTED with a retry hint. Sets x-ratelimit-* on `headers`
   * (and on the refusal). Ending the call frees its slot and counts its
   * tokens. `allowsGroup` is passed through to the admitted call. A call
   * that fans out takes `weight.requests` requests and `weight.parallel` slots.
   */
  async acquire(
    key: VirtualKey,
    headers: Headers,
    allowsGroup: ((group: string) => boolean) | undefined,
    weight: CallWeight = oneRequest,
  ): Promise<AdmittedCall> {
    const state = this.#state;
    const { rpmLimit: rpm, tpmLimit: tpm, maxParallelRequests: parallel } = key;
    const id = KEY_COUNTER_PREFIX + key.tokenId;
    const now = this.#now();
    // All asked before the first await (cheaper than Promise.all, and as pipelined).
    const reading = rpm !== undefined || tpm !== undefined ? state.usage([id], now) : undefined;
    const taking = parallel !== undefined ? this.#takeSlots(id, weight.parallel) : undefined;
    const counting =
      rpm !== undefined && parallel === undefined
        ? state.acquireRequest(id, rpm, now, weight.requests)
        : undefined;
    const used = (reading && (await reading).get(id)) ?? noUsage;
    const inFlight = taking && (await taking);
    const requestTaken = counting && (await counting);
    const giveBack = () => {
      if (parallel !== undefined) void state.changeInFlight(id, -weight.parallel);
    };
    const refuse = (what: string, requests: number, retryAfterMs?: number) => {
      giveBack();
      const snapshot = { rpm, tpm, requests, tokens: used.tokens, now };
      return this.#refusal(key, snapshot, what, retryAfterMs);
    };
    if (tpm !== undefined && used.tokens >= tpm)
      throw refuse(`${tpm} tokens per minute (tpm_limit) are used up`, used.requests);
    if (parallel !== undefined && inFlight! > parallel) {
      throw refuse(
        `${parallel} requests are already under way (max_parallel_requests)`,
        used.requests,
        PARALLEL_RETRY_AFTER_MS,
      );
    }
    if (
      rpm !== undefined &&
      !(counting ? requestTaken : await state.acquireRequest(id, rpm, now, weight.requests))
    )
      throw refuse(`${rpm} requests per minute (rpm_limit)`, rpm);
    // Remaining after this request: it was counted after the read.
    setRateLimitHeaders(headers, {
      rpm,
      tpm,
      requests: used.requests + weight.requests,
      tokens: used.tokens,
      now,
    });
    let ended = false;
    return {
      allowsGroup,
      end: (usage) => {
        if (ended) return;
        ended = true;
        giveBack();
        const tokens = usage?.totalTokens;
        if (tpm !== undefined && tokens) void state.addTokens(id, tokens, this.#now());
      },
    };
  }

  /**
   * +slots in flight, then the count including them: sent back to back, so Redis
   * answers both in order (one round trip) and the count is never a stale read.
   */
  #takeSlots(id: string, slots: number): Promise<number> {
    void this.#state.changeInFlight(id, slots);
    return this.#state.inFlight([id]).then((counts) => counts.get(id) ?? 0);
  }

  #refusal(key: VirtualKey, snapshot: RateLimitSnapshot, what: string, retryAfterMs?: number): GatewayError {
    const untilNextMinute = 60_000 - (snapshot.now % 60_000);
    const wait = retryAfterMs ?? untilNextMinute;
    const error = new GatewayError({
      code: Code.ResourceExhausted,
      message: `Rate limit exceeded for this API key (${keyLabel(key)}): ${what}. Try again in ${Math.ceil(wait / 1000)} s.`,
      errorCode: "rate_limit_exceeded",
      retryable: true,
      retryAfterMs: wait,
    });
    // Error metadata goes out as response headers on every surface.
    setRateLimitHeaders(error.metadata, snapshot);
    return error;
  }
}
