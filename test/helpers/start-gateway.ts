import { parseConfig } from "../../src/config/load-config.js";
import { loadPrompts } from "../../src/integrations/dotprompt/load-prompts.js";
import { createLogger, type Logger } from "../../src/observability/logger.js";
import { providerNames } from "../../src/providers/registry.js";
import { createGateway, type Gateway } from "../../src/server/gateway.js";
import { type Listener, listen } from "../../src/server/listen.js";

export interface RunningGateway {
  /** e.g. http://127.0.0.1:PORT */
  readonly url: string;
  readonly gateway: Gateway;
  readonly listener: Listener;
  close(): Promise<void>;
}

/** Starts a real gateway on a free port from LiteLLM YAML, as `switchyard --config` would. */
export async function startGateway(
  yaml: string,
  env: NodeJS.ProcessEnv = {},
  logger: Logger = createLogger("silent"),
): Promise<RunningGateway> {
  const config = parseConfig(yaml, { source: "test.yaml", env, knownProviders: providerNames });
  const prompts = await loadPrompts(config);
  const gateway = createGateway({ config, env, logger, prompts });
  const listener = await listen(gateway.handler, { port: 0, host: "127.0.0.1" });
  return {
    url: listener.url,
    gateway,
    listener,
    async close() {
      gateway.beginShutdown();
      await listener.close(1000);
      await gateway.close();
    },
  };
}
