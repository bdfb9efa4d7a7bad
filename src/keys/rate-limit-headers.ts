/** A key's limits and what it has used of them this minute. */
export interface RateLimitSnapshot {
  readonly rpm: number | undefined;
  readonly tpm: number | undefined;
  /** Requests counted this minute, this one included once it is let through. */
  readonly requests: number;
  /** Tokens counted this minute (calls that ended). */
  readonly tokens: number;
  /** Epoch ms the counts were read at. */
  readonly now: number;
}

/**
 * OpenAI's rate-limit headers (which LiteLLM sends for keys too), for the
 * limits the key has: limit and remaining. Not OpenAI's reset headers: a
 * Headers.set costs about 2 µs, and the reset is the end of the clock
 * minute, which `retry-after` on a refusal says anyway.
 */
export function setRateLimitHeaders(headers: Headers, snapshot: RateLimitSnapshot): void {
  if (snapshot.rpm !== undefined) {
    headers.set("x-ratelimit-limit-requests", String(snapshot.rpm));
    headers.set("x-ratelimit-remaining-requests", String(Math.max(0, snapshot.rpm - snapshot.requests)));
  }
  if (snapshot.tpm !== undefined) {
    headers.set("x-ratelimit-limit-tokens", String(snapshot.tpm));
    headers.set("x-ratelimit-remaining-tokens", String(Math.max(0, snapshot.tpm - snapshot.tokens)));
  }
}
