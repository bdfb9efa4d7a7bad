import { parseConfig } from "../../src/config/load-config.js";
import { createLogger, type Logger } from "../../src/observability/logger.js";
import { providerNames } from "../../src/providers/registry.js";
import { createGateway, type Gateway } from "../../src/server/gateway.js";
import { type Listener, listen } from "../../src/server/listen.js";
import type { Store } from "../../src/store/store.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { call } from "./key-gateway.js";

export { call, eventually } from "./key-gateway.js";

export interface EnforcedGateway {
  readonly url: string;
  readonly gateway: Gateway;
  readonly listener: Listener;
  close(): Promise<void>;
}

export interface EnforcedGatewayOptions {
  /** Already migrated. */
  readonly store: Store;
  /** REDIS_URL and SWITCHYARD_REDIS_PREFIX, for replicas sharing limits. */
  readonly env?: NodeJS.ProcessEnv;
  readonly logger?: Logger;
  readonly now?: () => number;
}

/** A real gateway on port 0 over a migrated store; resolves once its stored keys are loaded. */
export async function startEnforcedGateway(
  yaml: string,
  options: EnforcedGatewayOptions,
): Promise<EnforcedGateway> {
  const env = options.env ?? {};
  const config = parseConfig(yaml, { source: "test.yaml", env, knownProviders: providerNames });
  const gateway = createGateway({
    config,
    env,
    logger: options.logger ?? createLogger("silent"),
    store: options.store,
    ...(options.now && { now: options.now }),
  });
  await gateway.keysReady;
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

/** LiteLLM's key settings, as /key/generate takes them. */
export interface KeySettings {
  key_alias?: string;
  models?: string[];
  max_budget?: number;
  budget_duration?: string;
  rpm_limit?: number;
  tpm_limit?: number;
  max_parallel_requests?: number;
}

/** Creates a key with the master key through LiteLLM's /key/generate; its value. */
export async function generateKey(url: string, settings: KeySettings): Promise<string> {
  const answer = await call(`${url}/key/generate`, "POST", settings, MASTER_KEY);
  if (answer.status !== 200) throw new Error(`/key/generate answered ${answer.status}: ${answer.text}`);
  return answer.body.key as string;
}

/** The key's stored spend, as /key/info reports it. */
export async function storedSpend(url: string, key: string): Promise<number> {
  const answer = await call(`${url}/key/info?key=${encodeURIComponent(key)}`, "GET", undefined, MASTER_KEY);
  if (answer.status !== 200) throw new Error(`/key/info answered ${answer.status}: ${answer.text}`);
  return answer.body.info.spend as number;
}
