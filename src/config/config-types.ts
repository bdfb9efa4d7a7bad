import type { AgentDefinition } from "../a2a/agent-definition.js";
import type { CacheSettings } from "../cache/cache-settings.js";
import type { GuardrailSpec } from "../guardrails/guardrail-settings.js";
import type { PromptSource } from "../integrations/dotprompt/prompt-source.js";
import type { RouterSettings } from "./router-settings.js";

/**
 * The gateway's configuration, read once at start from a LiteLLM-compatible
 * YAML file (or the built-in demo). Everything here is already validated and
 * has `os.environ/NAME` references resolved, so the request path never looks
 * at raw config.
 */
export interface GatewayConfig {
  /** Every model_list entry, in file order. */
  modelList: DeploymentConfig[];
  generalSettings: {
    /**
     * The key callers must present. `general_settings.master_key` (after env
     * resolution) wins; when absent or unset, `LITELLM_MASTER_KEY` from the
     * environment; otherwise undefined (no auth).
     */
    masterKey?: string;
    /** The whole resolved general_settings mapping, for later issues. */
    raw: Record<string, unknown>;
  };
  /** `router_settings` as written (resolved); the state store reads its `redis*` keys from here. */
  routerSettings: Record<string, unknown>;
  /** `router_settings` parsed and checked: strategy, retries, fallbacks, cooldowns, timeouts. */
  router: RouterSettings;
  litellmSettings: Record<string, unknown>;
  /** `litellm_settings.cache` + `cache_params`, checked; undefined when caching is off. */
  cache?: CacheSettings;
  /** The top-level `guardrails:` Switchyard runs (src/guardrails/). */
  guardrails?: readonly GuardrailSpec[];
  /** Passed through untouched (apart from env resolution) for later issues. */
  credentialList: unknown[];
  /** The `agents` list, checked (names unique, model groups known), in file order. */
  agents: AgentDefinition[];
  /**
   * Where managed prompts are read from: `litellm_settings.global_prompt_directory`, then the
   * `prompts` list, checked (paths absolute). The files themselves are read by loadPrompts.
   */
  prompts: PromptSource[];
  /**
   * Variables set by the file's `environment_variables:` block that the real
   * environment did not already set (the real environment wins). They were
   * used for `os.environ/` resolution; the caller decides whether to copy them
   * into `process.env` for code that reads the environment directly.
   */
  environmentVariables: Record<string, string>;
  /** File path, or "demo" for the built-in demo config. */
  source: string;
  /** Non-fatal findings (unknown keys, unset env vars), for the caller to log. Never hold secret values. */
  warnings: string[];
}

/** One model_list entry: a deployment serving the model group `modelName`. */
export interface DeploymentConfig {
  /** model_name: the group callers ask for. Several deployments may share it. */
  modelName: string;
  /**
   * model_info.id if given; else the first 16 hex chars of a sha256 over the
   * canonical JSON of model_name and litellm_params without secret-looking keys,
   * so every replica with the same file and environment derives the same id and
   * rotating a key does not change it.
   */
  id: string;
  params: LitellmParams;
  /** model_info as written (resolved), including `id` when given. */
  modelInfo: Record<string, unknown>;
}

export interface LitellmParams {
  /** As written: "openai/gpt-4o", "huggingface/bigcode/starcoder", a bare "gpt-4o", "openai/*". */
  model: string;
  /**
   * The provider slug: text before the first "/", else inferred from LiteLLM's
   * model map for a bare name ("gpt-4o" → "openai"); "*" when the model is
   * "*" (inferred per request).
   */
  provider: string;
  /** The model as the provider names it: "gpt-4o", "bigcode/starcoder"; may hold "*" (a wildcard). */
  providerModel: string;
  apiBase?: string;
  apiKey?: string;
  apiVersion?: string;
  /** Seconds, fractions allowed. */
  timeout?: number;
  /** Seconds to the first streamed chunk, fractions allowed. */
  streamTimeout?: number;
  /** Requests per minute this deployment may take. */
  rpm?: number;
  /** Tokens per minute this deployment may take. */
  tpm?: number;
  /** Relative share in weighted shuffling. */
  weight?: number;
  /** Priority: lower orders are tried first. */
  order?: number;
  maxRetries?: number;
  /** Retries of a call to this deployment's group (LiteLLM's per-deployment num_retries). */
  numRetries?: number;
  /** When set, the deployment answers with this text and never calls upstream. */
  mockResponse?: string;
  /** Names an entry of credential_list. */
  litellmCredentialName?: string;
  /**
   * Every other key of litellm_params, as written (snake_case), resolved —
   * providers read e.g. `organization`, `extra_headers`, `task`.
   */
  extra: Record<string, unknown>;
}
