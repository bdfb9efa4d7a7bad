/**
 * The OpenAI-compatible long tail, as data. Each row is a provider that
 * speaks OpenAI's API with its own base URL, key variable, headers and a
 * few parameter names of its own; the OpenAI provider does the rest
 * (openai-compatible-provider.ts). Slugs are LiteLLM's, so a LiteLLM
 * config's `model: groq/llama-3.3-70b-versatile` works unchanged.
 *
 * Adding a provider is adding a row here.
 */
export interface OpenAICompatibleProvider {
  /** LiteLLM's slug: "groq" in "groq/llama-3.3-70b-versatile". */
  readonly name: string;
  /** Base URL (with its `/v1` or equivalent) for deployments without `api_base`. Absent: `api_base` is required. */
  readonly defaultApiBase?: string;
  /** Variable holding the key for deployments without `api_key`, read once at start. */
  readonly apiKeyEnv?: string;
  /** Variable holding the base URL for deployments without `api_base`, read once at start. */
  readonly apiBaseEnv?: string;
  /**
   * Appended to an `api_base` that does not end with it: local servers serve
   * OpenAI's API under `/v1`, and LiteLLM configs often leave it out
   * (`api_base: http://localhost:11434`).
   */
  readonly apiBaseSuffix?: string;
  /** Headers sent with every request; a deployment's `extra_headers` win. */
  readonly extraHeaders?: Readonly<Record<string, string>>;
  /** OpenAI parameter name → the upstream's name for the same thing. */
  readonly parameterRenames?: Readonly<Record<string, string>>;
  /** OpenAI parameters the upstream rejects with a 400; left out of its requests. */
  readonly dropParameters?: readonly string[];
  /**
   * Endpoints the upstream lacks. Without `textCompletion`, `/v1/completions`
   * is served through chat; without `embeddings`, embeddings calls get a 400
   * naming the model rather than the upstream's 404.
   */
  readonly unsupported?: readonly ("textCompletion" | "embeddings" | "relayJson")[];
}

export const openAICompatibleProviders: readonly OpenAICompatibleProvider[] = [
  {
    name: "groq",
    defaultApiBase: "https://api.groq.com/openai/v1",
    apiKeyEnv: "GROQ_API_KEY",
    // Groq deprecated max_tokens; these three are a 400 there (console.groq.com/docs/openai).
    parameterRenames: { max_tokens: "max_completion_tokens" },
    dropParameters: ["logprobs", "top_logprobs", "logit_bias"],
    unsupported: ["textCompletion", "embeddings", "relayJson"],
  },
  {
    name: "together_ai",
    defaultApiBase: "https://api.together.xyz/v1",
    apiKeyEnv: "TOGETHERAI_API_KEY",
  },
  {
    name: "mistral",
    defaultApiBase: "https://api.mistral.ai/v1",
    apiKeyEnv: "MISTRAL_API_KEY",
    parameterRenames: { seed: "random_seed" },
    // Mistral's fill-in-the-middle lives at /fim/completions, with another body.
    unsupported: ["textCompletion"],
  },
  {
    // Mistral's Codestral endpoint, LiteLLM's `codestral/` (its own key and host).
    name: "codestral",
    defaultApiBase: "https://codestral.mistral.ai/v1",
    apiKeyEnv: "CODESTRAL_API_KEY",
    parameterRenames: { seed: "random_seed" },
    unsupported: ["textCompletion", "embeddings", "relayJson"],
  },
  {
    name: "deepseek",
    defaultApiBase: "https://api.deepseek.com/v1",
    apiKeyEnv: "DEEPSEEK_API_KEY",
    unsupported: ["textCompletion", "embeddings", "relayJson"],
  },
  {
    name: "openrouter",
    defaultApiBase: "https://openrouter.ai/api/v1",
    apiKeyEnv: "OPENROUTER_API_KEY",
    // OpenRouter's app attribution; set `extra_headers: {HTTP-Referer: <your site>}` to be listed.
    extraHeaders: { "X-Title": "Switchyard" },
  },
  {
    name: "fireworks_ai",
    defaultApiBase: "https://api.fireworks.ai/inference/v1",
    apiKeyEnv: "FIREWORKS_AI_API_KEY",
  },
  {
    name: "perplexity",
    defaultApiBase: "https://api.perplexity.ai",
    apiKeyEnv: "PERPLEXITYAI_API_KEY",
    unsupported: ["textCompletion", "embeddings", "relayJson"],
  },
  {
    name: "xai",
    defaultApiBase: "https://api.x.ai/v1",
    apiKeyEnv: "XAI_API_KEY",
  },
  {
    name: "hosted_vllm",
    apiBaseEnv: "HOSTED_VLLM_API_BASE",
    apiKeyEnv: "HOSTED_VLLM_API_KEY",
    apiBaseSuffix: "/v1",
  },
  {
    // LiteLLM's `vllm/` runs the engine in-process; Switchyard has none, so it is hosted_vllm.
    name: "vllm",
    apiBaseEnv: "HOSTED_VLLM_API_BASE",
    apiKeyEnv: "HOSTED_VLLM_API_KEY",
    apiBaseSuffix: "/v1",
  },
  {
    // Ollama's OpenAI-compatible endpoint (LiteLLM's ollama_chat uses the native /api/chat).
    name: "ollama_chat",
    defaultApiBase: "http://localhost:11434/v1",
    apiBaseEnv: "OLLAMA_API_BASE",
    apiKeyEnv: "OLLAMA_API_KEY",
    apiBaseSuffix: "/v1",
  },
  {
    name: "ollama",
    defaultApiBase: "http://localhost:11434/v1",
    apiBaseEnv: "OLLAMA_API_BASE",
    apiKeyEnv: "OLLAMA_API_KEY",
    apiBaseSuffix: "/v1",
  },
  {
    name: "lm_studio",
    defaultApiBase: "http://localhost:1234/v1",
    apiBaseEnv: "LM_STUDIO_API_BASE",
    apiKeyEnv: "LM_STUDIO_API_KEY",
    apiBaseSuffix: "/v1",
  },
  {
    // Xorbits Inference; LiteLLM's default base and a stub key, since the server needs none.
    name: "xinference",
    defaultApiBase: "http://127.0.0.1:9997/v1",
    apiBaseEnv: "XINFERENCE_API_BASE",
    apiKeyEnv: "XINFERENCE_API_KEY",
    apiBaseSuffix: "/v1",
  },
];
