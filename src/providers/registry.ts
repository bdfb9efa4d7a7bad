import type { UpstreamClient } from "../http/upstream-client.js";
import { createAnthropicProvider } from "./anthropic/anthropic-provider.js";
import { createAzureProvider } from "./azure/azure-provider.js";
import { createBedrockProvider } from "./bedrock/bedrock-provider.js";
import { createCohereProvider } from "./cohere/cohere-provider.js";
import { createGeminiProvider } from "./gemini/gemini-provider.js";
import { createHuggingFaceProvider } from "./huggingface/huggingface-provider.js";
import { createMockProvider } from "./mock/mock-provider.js";
import { createChatViaTextCompletionProvider } from "./openai/chat-via-text-completion.js";
import { createOpenAIProvider } from "./openai/openai-provider.js";
import { createOpenAICompatibleProvider } from "./openai-compatible/openai-compatible-provider.js";
import { openAICompatibleProviders } from "./openai-compatible/openai-compatible-providers.js";
import type { Provider } from "./provider.js";
import { createVertexProvider } from "./vertex/vertex-provider.js";

/**
 * Every provider, by the slug prefix that selects it ("openai" in
 * "openai/gpt-4o"). Adding a provider is a folder under src/providers and
 * one line here. Factories receive the environment to read key and base
 * URL variables from once, at start (see createProviderRegistry).
 */
const factories: Record<string, (client: UpstreamClient, env: NodeJS.ProcessEnv) => Provider> = {
  openai: (client) => createOpenAIProvider(client),
  // LiteLLM's spelling for instruct models on /v1/completions; chat is rendered into a prompt.
  "text-completion-openai": (client) =>
    createChatViaTextCompletionProvider(
      createOpenAIProvider(client, { name: "text-completion-openai" }),
      "text-completion-openai",
    ),
  azure: (client, env) => createAzureProvider(client, env),
  // The OpenAI-compatible long tail (groq, together_ai, mistral, …): one row each in that table.
  ...Object.fromEntries(
    openAICompatibleProviders.map((row) => [
      row.name,
      (client: UpstreamClient, env: NodeJS.ProcessEnv) => createOpenAICompatibleProvider(client, row, env),
    ]),
  ),
  anthropic: (client, env) => createAnthropicProvider(client, env),
  huggingface: (client, env) => createHuggingFaceProvider(client, env),
  gemini: (client, env) => createGeminiProvider(client, env),
  vertex_ai: (client, env) => createVertexProvider(client, env),
  bedrock: (client, env) => createBedrockProvider(client, env),
  cohere: (client, env) => createCohereProvider(client, env),
};

/** The slugs a config may use, for validation before anything is built. */
export const providerNames: ReadonlySet<string> = new Set(Object.keys(factories));

/**
 * Builds every provider once. `env` is where providers find keys and base
 * URLs for deployments that do not set them (GROQ_API_KEY, AZURE_API_BASE,
 * …); it is read here and never on the request path.
 */
export function createProviderRegistry(
  client: UpstreamClient,
  env: NodeJS.ProcessEnv = process.env,
): ReadonlyMap<string, Provider> {
  return new Map(Object.entries(factories).map(([name, factory]) => [name, factory(client, env)]));
}

/** Serves deployments that set `mock_response`, whatever their slug says. */
export const mockProvider: Provider = createMockProvider();
