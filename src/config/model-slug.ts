import { modelCatalog } from "../catalog/model-catalog.js";

/**
 * LiteLLM provider slugs its model cost map does not name (they serve any
 * model), so a `provider/model` slug with one of these prefixes still reads
 * as a provider LiteLLM knows (litellm/types/utils.py, LlmProviders).
 */
const providersOutsideTheMap = [
  "huggingface",
  "xinference",
  "custom_openai",
  "openai_like",
  "litellm_proxy",
  "hosted_vllm",
  "vllm",
  "lm_studio",
  "ollama_chat",
  "llamafile",
  "triton",
  "predibase",
  "clarifai",
  "sagemaker_chat",
  "langgraph",
  "custom",
];

/**
 * Bare names newer than the bundled catalog, by family, as LiteLLM's own
 * lists place them (get_llm_provider_logic.py: OpenAI's chat, embedding,
 * image, audio and fine-tuned models; Anthropic's claude-*; Vertex's gemini-*).
 */
const familyProviders: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /^(gpt-|chatgpt-|o\d(-|$)|ft:|text-embedding-|dall-e-|whisper-|tts-|omni-moderation|text-moderation)/,
    "openai",
  ],
  [/^claude-/, "anthropic"],
  [/^gemini-/, "vertex_ai"],
];

/** A `litellm_params.model` read as LiteLLM reads it. */
export type ModelSlug =
  | {
      /** The provider slug: written, or inferred from a bare model name. */
      readonly provider: string;
      /** The model as the provider names it; may hold `*` for a wildcard deployment. */
      readonly providerModel: string;
      /** The provider came from the catalog, not from the slug. */
      readonly inferred: boolean;
    }
  | { readonly problem: string };

/**
 * Splits `provider/model`, or infers the provider of a bare name from
 * LiteLLM's model map (`gpt-4o` → openai, `claude-3-haiku-20240307` →
 * anthropic), or takes `custom_llm_provider` when the deployment sets one.
 * `*` alone is a wildcard whose provider is inferred per request.
 */
export function readModelSlug(model: string, customProvider: string | undefined): ModelSlug {
  if (customProvider !== undefined && customProvider !== "") {
    const prefix = `${customProvider}/`;
    const providerModel = model.startsWith(prefix) ? model.slice(prefix.length) : model;
    return { provider: customProvider, providerModel, inferred: false };
  }
  if (model === "*") return { provider: "*", providerModel: "*", inferred: true };
  const slash = model.indexOf("/");
  if (slash > 0 && slash < model.length - 1) {
    const prefix = model.slice(0, slash);
    // "meta-llama/Llama-3" is not a provider slug, but the catalog may know the whole name.
    if (isLitellmProvider(prefix) || modelCatalog().get(model) === undefined) {
      return { provider: prefix, providerModel: model.slice(slash + 1), inferred: false };
    }
  }
  const provider = inferProvider(model);
  if (provider !== undefined) return { provider, providerModel: model, inferred: true };
  return {
    problem:
      `cannot tell the provider of ${JSON.stringify(model)}: LiteLLM's model map does not know it; ` +
      `write it as "provider/${model}" (e.g. "openai/${model}" for an OpenAI-compatible server)`,
  };
}

/** The provider LiteLLM would call for a bare model name; undefined when it cannot tell. */
export function inferProvider(model: string): string | undefined {
  const known = modelCatalog().get(model);
  if (known !== undefined) return known.provider;
  for (const [pattern, provider] of familyProviders) if (pattern.test(model)) return provider;
  return undefined;
}

/** Whether LiteLLM knows this provider slug (its model map names it, or it serves any model). */
export function isLitellmProvider(slug: string): boolean {
  return modelCatalog().providers.has(slug) || providersOutsideTheMap.includes(slug);
}
