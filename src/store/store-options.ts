import type { Logger } from "../observability/logger.js";
import type { StoreOptions } from "./create-store.js";

export interface StoreSettingsInput {
  env: NodeJS.ProcessEnv;
  /** `general_settings` as resolved from the YAML. */
  generalSettings: Record<string, unknown>;
  /** `--data-dir`. */
  dataDir: string;
  logger: Logger;
}

/**
 * Where the store lives, read the way LiteLLM reads it: `DATABASE_URL`, else
 * `general_settings.database_url`; pool size from `DATABASE_POOL_SIZE`, else
 * `general_settings.database_connection_pool_limit`; connect timeout (seconds)
 * from `general_settings.database_connection_timeout`. No URL: the embedded
 * Postgres in `dataDir`. Throws on a malformed number, naming the setting.
 */
export function resolveStoreOptions(input: StoreSettingsInput): StoreOptions {
  const { env, generalSettings } = input;
  const databaseUrl = env.DATABASE_URL || stringSetting(generalSettings.database_url);
  const poolSize = positiveNumber(
    env.DATABASE_POOL_SIZE || generalSettings.database_connection_pool_limit,
    env.DATABASE_POOL_SIZE ? "DATABASE_POOL_SIZE" : "general_settings.database_connection_pool_limit",
    true,
  );
  const timeoutSeconds = positiveNumber(
    generalSettings.database_connection_timeout,
    "general_settings.database_connection_timeout",
    false,
  );
  return {
    ...(databaseUrl && { databaseUrl }),
    dataDir: input.dataDir,
    ...(poolSize !== undefined && { poolSize }),
    ...(timeoutSeconds !== undefined && { connectTimeoutMs: Math.round(timeoutSeconds * 1000) }),
    logger: input.logger,
  };
}

/** For logs: scheme, host, port and database of a connection string, never the user or password. */
export function describeDatabase(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return "postgres (unparseable URL)";
  }
}

function stringSetting(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function positiveNumber(value: unknown, name: string, integer: boolean): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const number = typeof value === "number" ? value : Number(value);
  if (Number.isFinite(number) && number > 0 && (!integer || Number.isInteger(number))) return number;
  throw new Error(`${name}: expected a positive ${integer ? "integer" : "number"}, got "${String(value)}"`);
}
