import type { Logger } from "../../src/observability/logger.js";
import type { Store } from "../../src/store/store.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { type RunningGateway, startGatewayWith } from "../helpers/start-gateway.js";
import { call } from "./key-gateway.js";

export { call, eventually } from "./key-gateway.js";

export type EnforcedGateway = RunningGateway;

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
  return startGatewayWith(yaml, { ...options, ready: (gateway) => gateway.keysReady });
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
