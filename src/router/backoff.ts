import { setTimeout as wait } from "node:timers/promises";
import { Code } from "@connectrpc/connect";
import { GatewayError } from "../errors/gateway-error.js";

/** OpenAI's and LiteLLM's first retry delay and cap. */
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 8_000;
/** A longer retry-after hint is not waited for (LiteLLM's rule): the usual backoff applies. */
const MAX_HONOURED_RETRY_AFTER_MS = 60_000;

/**
 * How long to wait before retrying the same deployment: exponential backoff
 * with full jitter (a uniform draw below `base · 2^retry`, capped), never
 * less than `retry_after` (`minimumMs`) nor the upstream's retry-after hint.
 * `retry` counts from 0 for the first retry.
 */
export function backoffMs(
  retry: number,
  minimumMs: number,
  retryAfterMs: number | undefined,
  random: () => number,
): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, Math.max(BACKOFF_BASE_MS, minimumMs) * 2 ** retry);
  let delay = Math.max(minimumMs, random() * ceiling);
  if (retryAfterMs !== undefined && retryAfterMs <= MAX_HONOURED_RETRY_AFTER_MS) {
    delay = Math.max(delay, retryAfterMs);
  }
  return delay;
}

/** Waits `ms`, or rejects at once with a Canceled GatewayError when `signal` aborts. */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return;
  try {
    await wait(ms, undefined, { signal });
  } catch (error) {
    throw canceled(signal, error);
  }
}

/** The error for a call its caller abandoned: the abort reason when it is ours. */
export function canceled(signal: AbortSignal, cause?: unknown): GatewayError {
  if (signal.reason instanceof GatewayError) return signal.reason;
  return new GatewayError({ code: Code.Canceled, message: "request cancelled by the client", cause });
}
