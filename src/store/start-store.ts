import { Code } from "@connectrpc/connect";
import { GatewayError } from "../errors/gateway-error.js";
import type { Logger } from "../observability/logger.js";
import { migrate } from "./migrate.js";
import type { Store } from "./store.js";

const firstRetryMs = 1000;
const maxRetryMs = 30_000;

/**
 * Applies migrations without holding up the gateway: completions for models
 * in the YAML need no database, so the gateway listens at once and this keeps
 * trying (with backoff, one warning per outage) until the database is there
 * and the schema is current, or `signal` aborts. Resolves true once migrated.
 *
 * A fault no retry mends (FailedPrecondition: the embedded data directory is
 * in use, unreadable or corrupt; the schema is newer than this build) is not
 * retried: `onFatal` hears of it and this resolves false.
 */
export async function migrateWhenReachable(
  store: Store,
  options: { logger: Logger; signal: AbortSignal; onFatal?: (error: GatewayError) => void },
): Promise<boolean> {
  const { logger, signal } = options;
  let delay = firstRetryMs;
  let warned = false;
  while (!signal.aborted) {
    try {
      const { applied } = await migrate(store);
      logger.info({ backend: store.backend, applied }, "store: ready");
      return true;
    } catch (error) {
      if (signal.aborted) break;
      if (error instanceof GatewayError && error.code === Code.FailedPrecondition) {
        options.onFatal?.(error);
        return false;
      }
      if (!warned) {
        logger.warn(
          { backend: store.backend, err: error instanceof Error ? error.message : String(error) },
          "store: cannot migrate the database yet; completions still work, store writes fail until it is back",
        );
        warned = true;
      }
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, delay);
      signal.addEventListener("abort", done, { once: true });
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
    });
    delay = Math.min(delay * 2, maxRetryMs);
  }
  return false;
}
