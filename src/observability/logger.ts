import { type Logger, pino } from "pino";

export type { Logger };

/**
 * JSON logs on stdout. Redaction is a second line of defence: no code path
 * should log a key in the first place.
 *
 * `asynchronous` (the server's choice): lines are written by a SonicBoom
 * that does not wait for stdout, in batches of up to 8 KiB and at least
 * every 100 ms. A synchronous write per access-log line was ~6% of a loaded
 * gateway's CPU, and an asynchronous write per line still cost ~10 µs of
 * thread-pool work; a batch of ~20 lines costs about what one line did. On
 * exit (process.exit, SIGTERM through main's drain, an uncaught error) pino
 * flushes what is left synchronously; a SIGKILL loses at most 100 ms.
 */
export function createLogger(
  level = logLevelOf(process.env),
  options: { asynchronous?: boolean } = {},
): Logger {
  return pino(
    {
      level,
      base: { service: "switchyard" },
      redact: {
        paths: [
          "headers.authorization",
          'headers["x-api-key"]',
          'headers["api-key"]',
          "*.apiKey",
          "*.api_key",
          "*.masterKey",
          "*.master_key",
        ],
        censor: "[redacted]",
      },
    },
    options.asynchronous ? batchedStdout() : undefined,
  );
}

/** Lines wait for 8 KiB or 100 ms, whichever comes first. */
function batchedStdout() {
  const destination = pino.destination({ dest: 1, sync: false, minLength: BATCH_BYTES });
  const timer = setInterval(() => {
    // An empty buffer would still cost a write of nothing; a destroyed stdout is not our crash.
    if ((destination as unknown as { _len?: number })._len === 0) return;
    try {
      destination.flush();
    } catch {
      clearInterval(timer);
    }
  }, BATCH_MS);
  timer.unref();
  destination.on("close", () => clearInterval(timer));
  return destination;
}

const BATCH_BYTES = 8192;
const BATCH_MS = 100;

/** LiteLLM's LITELLM_LOG names, as pino levels. */
const litellmLevels: Readonly<Record<string, string>> = {
  DEBUG: "debug",
  INFO: "info",
  WARNING: "warn",
  WARN: "warn",
  ERROR: "error",
  CRITICAL: "fatal",
};

/**
 * The log level: `LOG_LEVEL` (a pino level: trace, debug, info, warn,
 * error, fatal, silent) wins; else LiteLLM's `LITELLM_LOG` (DEBUG, INFO,
 * WARNING, ERROR, CRITICAL); else `litellm_settings.set_verbose: true`
 * means debug; else info. Unknown values are ignored rather than fatal.
 */
export function logLevelOf(env: NodeJS.ProcessEnv, litellmSettings: Record<string, unknown> = {}): string {
  const level = env.LOG_LEVEL?.trim().toLowerCase();
  if (level && (level === "silent" || Object.hasOwn(pino.levels.values, level))) return level;
  const litellm = litellmLevels[env.LITELLM_LOG?.trim().toUpperCase() ?? ""];
  if (litellm) return litellm;
  return litellmSettings.set_verbose === true ? "debug" : "info";
}
