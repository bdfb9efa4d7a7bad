import { type Logger, pino } from "pino";

export type { Logger };

/**
 * JSON logs on stdout. Redaction is a second line of defence: no code path
 * should log a key in the first place.
 *
 * `asynchronous` (the server's choice): lines are written by a SonicBoom
 * that does not wait for stdout — a synchronous write per access-log line was
 * ~6% of a loaded gateway's CPU. Lines written while a write is under way are
 * sent together with the next one; on exit (process.exit, SIGTERM through
 * main's drain, an uncaught error) pino flushes what is left synchronously.
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
          "*.apiKey",
          "*.api_key",
          "*.masterKey",
          "*.master_key",
        ],
        censor: "[redacted]",
      },
    },
    options.asynchronous ? pino.destination({ dest: 1, sync: false }) : undefined,
  );
}

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
