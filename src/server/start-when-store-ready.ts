import { GatewayError } from "../errors/gateway-error.js";
import type { Logger } from "../observability/logger.js";

/** One thing that reads the store at start: a mirror, or a few that load together. */
export interface StoreStart<What extends string = string> {
  /** Plural, as the warning reads ("keys: could not load stored keys"). */
  readonly what: What;
  readonly start: () => Promise<unknown>;
}

/**
 * Starts each of `starts` once the store's schema is current, and none if it
 * never is (`storeReady` resolving false); without a `storeReady`, at once.
 * Each loads on its own: one that fails warns and leaves the others loading.
 * Answers, by `what`, a promise per start that settles once it has loaded
 * (or failed) and never rejects.
 */
export function startWhenStoreReady<What extends string>(
  storeReady: Promise<boolean> | undefined,
  starts: readonly StoreStart<What>[],
  logger: Logger,
): Record<What, Promise<void>> {
  const ready = storeReady ?? Promise.resolve(true);
  const loaded = {} as Record<What, Promise<void>>;
  for (const { what, start } of starts) {
    loaded[what] = ready
      .then(async (isReady) => {
        if (isReady) await start();
      })
      .catch((error: unknown) =>
        logger.warn({ err: GatewayError.from(error).rawMessage }, `${what}: could not load stored ${what}`),
      );
  }
  return loaded;
}
