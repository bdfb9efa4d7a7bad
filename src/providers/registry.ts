import type { UpstreamClient } from "../http/upstream-client.js";
import { createMockProvider } from "./mock/mock-provider.js";
import { createOpenAIProvider } from "./openai/openai-provider.js";
import type { Provider } from "./provider.js";

/**
 * Every provider, by the slug prefix that selects it ("openai" in
 * "openai/gpt-4o"). Adding a provider is a folder under src/providers and
 * one line here.
 */
const factories: Record<string, (client: UpstreamClient) => Provider> = {
  openai: (client) => createOpenAIProvider(client),
};

/** The slugs a config may use, for validation before anything is built. */
export const providerNames: ReadonlySet<string> = new Set(Object.keys(factories));

export function createProviderRegistry(client: UpstreamClient): ReadonlyMap<string, Provider> {
  return new Map(Object.entries(factories).map(([name, factory]) => [name, factory(client)]));
}

/** Serves deployments that set `mock_response`, whatever their slug says. */
export const mockProvider: Provider = createMockProvider();
