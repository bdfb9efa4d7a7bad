import OpenAI from "openai";
import type { Logger } from "../../src/observability/logger.js";
import type { Store } from "../../src/store/store.js";
import { call as callJson, type StoreGateway, startStoreGateway } from "../credentials-e2e/store-gateway.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import type { Answer } from "../keys/key-gateway.js";

export {
  pgliteBackend,
  postgresBackend,
  type StoreBackend,
  type StoreGateway,
} from "../credentials-e2e/store-gateway.js";

/** The salt key stored models' secrets are encrypted with in these tests. */
export const SALT_KEY = "sk-models-test-salt-key";

/** A real gateway on port 0 over `store` (migrated first); resolves once its stored models and keys are loaded. */
export async function startModelGateway(
  yaml: string,
  options: { store?: Store; env?: NodeJS.ProcessEnv; logger?: Logger } = {},
): Promise<StoreGateway> {
  const started = await startStoreGateway(yaml, {
    ...options,
    env: { LITELLM_SALT_KEY: SALT_KEY, ...options.env },
  });
  await Promise.all([started.gateway.modelsReady, started.gateway.keysReady]);
  return started;
}

/** The official OpenAI client with `key`, against the gateway, without retries. */
export function openai(url: string, key: string): OpenAI {
  return new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0 });
}

/** One short chat through the OpenAI client: the answer's text. */
export async function chatText(url: string, key: string, model: string): Promise<string | null> {
  const completion = await openai(url, key).chat.completions.create({
    model,
    messages: [{ role: "user", content: "hi" }],
  });
  return completion.choices[0]?.message.content ?? null;
}

/**
 * Resolves when `gateway` has reloaded stored model `id` (its LISTEN heard the NOTIFY), or every stored
 * model (a full reload, which is all that is waited for without `id`).
 */
export function modelReloaded(gateway: StoreGateway, id?: string): Promise<void> {
  return new Promise((resolve) => {
    const stop = gateway.gateway.storedModels.onChanged((changed) => {
      if (changed === undefined || changed === id) {
        stop();
        resolve();
      }
    });
  });
}

/** fetch with the master key (or the given key; null: none) and a JSON body; the answer read as LiteLLM's JSON. */
export async function call(url: string, method: string, body?: unknown, key: string | null = MASTER_KEY) {
  return (await callJson(url, method, body, key)) as Answer;
}
