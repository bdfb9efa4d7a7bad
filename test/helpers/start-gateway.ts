import { parseConfig } from "../../src/config/load-config.js";
import { loadPrompts } from "../../src/integrations/dotprompt/load-prompts.js";
import { createLogger, type Logger } from "../../src/observability/logger.js";
import { providerNames } from "../../src/providers/registry.js";
import { createGateway, type Gateway } from "../../src/server/gateway.js";
import { type Listener, type ListenOptions, listen } from "../../src/server/listen.js";
import { migrate } from "../../src/store/migrate.js";
import type { Store } from "../../src/store/store.js";

export interface RunningGateway {
  /** e.g. http://127.0.0.1:PORT */
  readonly url: string;
  readonly gateway: Gateway;
  readonly listener: Listener;
  close(): Promise<void>;
}

/** How the suites' gateways differ; each absent option leaves createGateway's default. */
export interface StartGatewayOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** The config's path, against which relative paths in it resolve; default "test.yaml". */
  readonly source?: string;
  /** Default: silent. */
  readonly logger?: Logger;
  readonly store?: Store;
  /** Migrate `store` before the gateway opens it. */
  readonly migrateStore?: boolean;
  readonly storeReady?: Promise<boolean>;
  readonly now?: () => number;
  readonly consoleDir?: string;
  /** Load the config's prompts, as `switchyard --config` does. */
  readonly loadPrompts?: boolean;
  /** What to wait for before listening (stored keys, credentials, …). */
  readonly ready?: (gateway: Gateway) => Promise<unknown>;
  /** The listener's timeouts; default listen()'s. */
  readonly listen?: Pick<ListenOptions, "headersTimeoutMs" | "idleTimeoutMs">;
  /** How long close() lets in-flight requests finish, ms; default 1000. */
  readonly closeGraceMs?: number;
}

/** Starts a real gateway on a free port from LiteLLM YAML; the suites' own helpers all come through here. */
export async function startGatewayWith(
  yaml: string,
  options: StartGatewayOptions = {},
): Promise<RunningGateway> {
  const env = options.env ?? {};
  const config = parseConfig(yaml, {
    source: options.source ?? "test.yaml",
    env,
    knownProviders: providerNames,
  });
  if (options.store && options.migrateStore) await migrate(options.store);
  const prompts = options.loadPrompts ? await loadPrompts(config) : undefined;
  const gateway = createGateway({
    config,
    env,
    logger: options.logger ?? createLogger("silent"),
    ...(options.store && { store: options.store }),
    ...(options.storeReady && { storeReady: options.storeReady }),
    ...(options.now && { now: options.now }),
    ...(options.consoleDir && { consoleDir: options.consoleDir }),
    ...(prompts && { prompts }),
  });
  await options.ready?.(gateway);
  const listener = await listen(gateway.handler, { ...options.listen, port: 0, host: "127.0.0.1" });
  return {
    url: listener.url,
    gateway,
    listener,
    async close() {
      gateway.beginShutdown();
      await listener.close(options.closeGraceMs ?? 1000);
      await gateway.close();
    },
  };
}

/** Starts a real gateway on a free port from LiteLLM YAML, as `switchyard --config` would. */
export function startGateway(
  yaml: string,
  env: NodeJS.ProcessEnv = {},
  logger: Logger = createLogger("silent"),
): Promise<RunningGateway> {
  return startGatewayWith(yaml, { env, logger, loadPrompts: true });
}
