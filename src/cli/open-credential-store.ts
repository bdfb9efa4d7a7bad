import { Code } from "@connectrpc/connect";
import { ConfigError } from "../config/config-error.js";
import { loadConfig } from "../config/load-config.js";
import type { CredentialValuesRewriter } from "../credentials/rotate-key.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { Logger } from "../observability/logger.js";
import { providerNames } from "../providers/registry.js";
import { createStore } from "../store/create-store.js";
import { CredentialRepository } from "../store/credential-repository.js";
import { migrate } from "../store/migrate.js";
import { ModelRepository } from "../store/model-repository.js";
import { resolveStoreOptions } from "../store/store-options.js";
import type { StoreLocation } from "./credentials-command.js";

/**
 * Opens the store the gateway would use — same config, same environment, same
 * data directory — with its schema current, for a one-off command. The
 * embedded store is locked to one process: stop the gateway first. Rewriting
 * the credentials rewrites stored models' secrets too, in the same transaction.
 */
export async function openCredentialStore(
  location: StoreLocation,
  logger: Logger,
): Promise<CredentialValuesRewriter & { close(): Promise<void> }> {
  const config = location.config ? await readConfig(location.config) : undefined;
  const store = createStore(
    resolveStoreOptions({
      env: { ...config?.environmentVariables, ...process.env },
      generalSettings: config?.generalSettings.raw ?? {},
      dataDir: location.dataDir,
      logger,
    }),
  );
  try {
    await migrate(store);
  } catch (error) {
    await store.close();
    throw error;
  }
  const credentials = new CredentialRepository(store);
  const models = new ModelRepository(store);
  return {
    replaceAllValues: (map, keyState) =>
      credentials.replaceAllValues(map, keyState, (transaction) =>
        models.rewriteSecrets(transaction, (secrets, id) => map(secrets, `model ${id}`)),
      ),
    close: () => store.close(),
  };
}

async function readConfig(path: string) {
  try {
    return await loadConfig(path, { env: process.env, knownProviders: providerNames });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new GatewayError({
      code: Code.FailedPrecondition,
      message: `invalid config ${path}:\n${error.message}`,
      retryable: false,
    });
  }
}
