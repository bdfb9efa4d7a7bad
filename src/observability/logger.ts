import { type Logger, pino } from "pino";

export type { Logger };

/**
 * JSON logs on stdout. Redaction is a second line of defence: no code path
 * should log a key in the first place.
 */
export function createLogger(level = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({
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
  });
}
