import { createHash } from "node:crypto";
import OpenAI from "openai";
import type { Logger } from "../../src/observability/logger.js";
import type { Gateway } from "../../src/server/gateway.js";
import type { Store } from "../../src/store/store.js";
import type { FakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { type RunningGateway, startGatewayWith } from "../helpers/start-gateway.js";

export { pgliteBackend, postgresBackend, type StoreBackend } from "../credentials-e2e/store-gateway.js";

export const UPSTREAM_KEY = "sk-upstream-virtual-keys-test";

/** Two model groups on the fake upstream; the master key unless `masterKey` is null. */
export function keysYaml(upstream: FakeOpenAI, masterKey: string | null = MASTER_KEY): string {
  const entry = (name: string, model: string) =>
    `  - model_name: ${name}\n    litellm_params: { model: openai/${model}, api_base: ${upstream.url}, api_key: ${UPSTREAM_KEY} }`;
  return [
    "model_list:",
    entry("gpt-test", "gpt-4o-mini"),
    entry("other-model", "gpt-4o"),
    masterKey ? `general_settings: { master_key: ${masterKey} }` : "",
  ].join("\n");
}

export type KeyGateway = RunningGateway;

export interface KeyGatewayOptions {
  /** Migrated first, unless `storeReady` is given (then the test decides when the store is ready). */
  readonly store?: Store;
  readonly storeReady?: Promise<boolean>;
  readonly now?: () => number;
  readonly logger?: Logger;
}

/** A real gateway on port 0; resolves once its stored keys are loaded (unless `storeReady` is given). */
export async function startKeyGateway(yaml: string, options: KeyGatewayOptions = {}): Promise<KeyGateway> {
  return startGatewayWith(yaml, {
    ...options,
    migrateStore: !options.storeReady,
    ...(!options.storeReady && { ready: (gateway: Gateway) => gateway.keysReady }),
  });
}

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read LiteLLM's JSON by path.
  body: any;
  text: string;
}

/** fetch with a key (default the master key; null: none) and a JSON body. */
export async function call(url: string, method: string, body?: unknown, key: string | null = MASTER_KEY) {
  const response = await fetch(url, {
    method,
    headers: {
      ...(key !== null && { authorization: `Bearer ${key}` }),
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: response.status, body: parsed, text } as Answer;
}

/** The official OpenAI client with `key`, against the gateway. */
export function openai(url: string, key: string): OpenAI {
  return new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0 });
}

/** One short chat completion with `key` through the OpenAI client; its text. */
export async function chatWith(url: string, key: string, model = "gpt-test"): Promise<string | null> {
  const completion = await openai(url, key).chat.completions.create({
    model,
    messages: [{ role: "user", content: "hi" }],
  });
  return completion.choices[0]?.message.content ?? null;
}

/** What the chat completion failed with: HTTP status and OpenAI error JSON. */
export async function chatError(url: string, key: string, model = "gpt-test") {
  try {
    await chatWith(url, key, model);
  } catch (error) {
    if (error instanceof OpenAI.APIError) {
      return { status: error.status, error: error.error as { message: string; code: string | null } };
    }
    throw error;
  }
  throw new Error("the chat completion succeeded");
}

export function sha256(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

/** Polls `check` until it returns true, or fails after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
