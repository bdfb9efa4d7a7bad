import { createTRPCClient, httpBatchLink } from "@trpc/client";
import type { AppRouter } from "../../src/admin/app-router.js";
import type { Gateway } from "../../src/server/gateway.js";
import { pgliteBackend } from "../credentials-e2e/store-gateway.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { startGatewayWith } from "../helpers/start-gateway.js";

export const UPSTREAM_KEY = "sk-upstream-admin-test";

/** Milliseconds between the fake upstream's stream chunks on the `slow-stream` model. */
export const SLOW_STREAM_GAP_MS = 250;

export interface AdminGateway {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly gateway: Gateway;
  readonly upstream: FakeOpenAI;
  close(): Promise<void>;
}

export interface AdminGatewayOptions {
  /** The built console to serve at /ui; default dist/ui. */
  readonly consoleDir?: string;
}

/**
 * A real gateway on port 0 in front of the fake OpenAI upstream, with the
 * embedded store (PGlite, migrated) so keys, credentials, agents and the
 * spend log are all there, an inline prompt, and a spend log flushed every
 * 100 ms. Resolves once stored keys, credentials and agents are loaded.
 */
export async function startAdminGateway(options: AdminGatewayOptions = {}): Promise<AdminGateway> {
  const upstream = await startFakeOpenAI({ apiKey: UPSTREAM_KEY });
  const entry = (name: string, model: string) =>
    `  - model_name: ${name}\n    litellm_params: { model: openai/${model}, api_base: ${upstream.url}, api_key: ${UPSTREAM_KEY} }`;
  const yaml = [
    "general_settings:",
    `  master_key: ${MASTER_KEY}`,
    "  proxy_batch_write_at: 0.1",
    // One failure takes a deployment out of rotation, so the health page has something to show.
    "router_settings: { allowed_fails: 0, cooldown_time: 60, num_retries: 0 }",
    "model_list:",
    entry("gpt-test", "gpt-4o-mini"),
    // Called only by the spend test, so its totals are its own.
    entry("spend-probe", "gpt-4o-mini"),
    // Two deployments: the router never cools down a group's only one.
    entry("server-error", "error-500"),
    entry("server-error", "error-503"),
    entry("slow-stream", `slow-stream-${SLOW_STREAM_GAP_MS}`),
    // A config credential: listed by the admin API, never written through it.
    "credential_list:",
    "  - { credential_name: config-credential, credential_values: { api_key: sk-config-credential-9876 } }",
    "prompts:",
    "  - prompt_id: greet",
    "    litellm_params:",
    "      prompt_integration: dotprompt",
    '      dotprompt_content: "---\\ninput:\\n  schema:\\n    name: string\\n---\\nHello {{name}}!"',
  ].join("\n");
  const backend = pgliteBackend();
  await backend.setUp();
  const store = backend.open();
  const running = await startGatewayWith(yaml, {
    store,
    migrateStore: true,
    loadPrompts: true,
    ...(options.consoleDir && { consoleDir: options.consoleDir }),
    ready: (gateway) =>
      Promise.all([gateway.keysReady, gateway.credentialsReady, gateway.agentsReady, gateway.modelsReady]),
  });
  return {
    url: running.url,
    gateway: running.gateway,
    upstream,
    async close() {
      await running.close();
      await store.close();
      await backend.tearDown();
      await upstream.close();
    },
  };
}

/** The typed admin client a TypeScript tool would use; `key` null sends no Authorization. */
export function adminClient(url: string, key: string | null = MASTER_KEY) {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${url}/trpc`,
        headers: key === null ? {} : { authorization: `Bearer ${key}` },
      }),
    ],
  });
}

/** Polls `check` until it returns a value, or fails after `timeoutMs`. */
export async function eventually<Value>(
  check: () => Promise<Value | undefined> | Value | undefined,
  timeoutMs = 10_000,
): Promise<Value> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
