import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/config-error.js";
import { parseConfig } from "../../src/config/load-config.js";
import { AZURE_DEFAULT_API_VERSION } from "../../src/providers/azure/azure-provider.js";
import { openAICompatibleProviders } from "../../src/providers/openai-compatible/openai-compatible-providers.js";
import { providerNames } from "../../src/providers/registry.js";
import { type FakeOpenAI, type RecordedRequest, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";

/**
 * Azure OpenAI and the OpenAI-compatible table, each against the fake
 * OpenAI upstream: the fake records what every provider puts on the wire.
 * Keys come from the providers' environment variables, read once when the
 * gateway starts.
 */

const environment = {
  MASTER_KEY,
  AZURE_API_KEY: "azure-env-key",
  GROQ_API_KEY: "gsk-env-key",
  OPENROUTER_API_KEY: "sk-or-env-key",
  MISTRAL_API_KEY: "mistral-env-key",
};

let upstream: FakeOpenAI;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  // AZURE_API_BASE stands in for a deployment that leaves api_base to the environment.
  const env = { ...environment, AZURE_API_BASE: `${upstream.origin}/` };
  const deployment = (name: string, model: string, ...params: string[]) =>
    [
      `  - model_name: ${name}`,
      "    litellm_params:",
      `      model: ${model}`,
      ...params.map((p) => `      ${p}`),
    ].join("\n");
  const yaml = [
    "general_settings:",
    "  master_key: os.environ/MASTER_KEY",
    "model_list:",
    deployment(
      "azure-chat",
      "azure/prod-gpt4o",
      `api_base: ${upstream.origin}`,
      "api_version: 2024-06-01",
      "api_key: azure-config-key",
    ),
    deployment("azure-reasoning", "azure/reasoning-east", "max_tokens_field: max_completion_tokens"),
    deployment("groq-llama", "groq/llama-3.3-70b-versatile", `api_base: ${upstream.url}`),
    deployment(
      "groq-own-key",
      "groq/llama-3.1-8b-instant",
      `api_base: ${upstream.url}`,
      "api_key: gsk-config-key",
    ),
    deployment(
      "openrouter-claude",
      "openrouter/anthropic/claude-sonnet-4",
      `api_base: ${upstream.url}`,
      "extra_headers: { HTTP-Referer: https://example.test }",
    ),
    deployment("mistral-small", "mistral/mistral-small-latest", `api_base: ${upstream.url}`),
    deployment("local-llama", "ollama_chat/llama3.2", `api_base: ${upstream.origin}`),
    deployment("vllm-missing-base", "hosted_vllm/meta-llama/Llama-3.1-8B-Instruct"),
  ].join("\n");
  gateway = await startGateway(yaml, env);
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

function lastRequest(): RecordedRequest {
  return upstream.requests.at(-1)!;
}

describe("Azure OpenAI", () => {
  it("calls the deployment URL with the api-version and an api-key header", async () => {
    const completion = await client.chat.completions.create({
      model: "azure-chat",
      messages: [{ role: "user", content: "hello azure" }],
      max_tokens: 20,
    });
    expect(completion.choices[0]?.message.content).toBe("echo: hello azure");
    const sent = lastRequest();
    expect(sent.path).toBe("/openai/deployments/prod-gpt4o/chat/completions?api-version=2024-06-01");
    expect(sent.headers["api-key"]).toBe("azure-config-key");
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toMatchObject({ max_tokens: 20 });
  });

  it("takes api_base and the key from AZURE_API_BASE and AZURE_API_KEY, and the GA api-version by default", async () => {
    await client.chat.completions.create({
      model: "azure-reasoning",
      messages: [{ role: "user", content: "think" }],
      max_tokens: 30,
    });
    const sent = lastRequest();
    expect(sent.path).toBe(
      `/openai/deployments/reasoning-east/chat/completions?api-version=${AZURE_DEFAULT_API_VERSION}`,
    );
    expect(sent.headers["api-key"]).toBe(environment.AZURE_API_KEY);
    // max_tokens_field: deployment names do not say the model is a reasoning one.
    expect(sent.body).toMatchObject({ max_completion_tokens: 30 });
    expect(sent.body).not.toHaveProperty("max_tokens");
  });

  it("serves streams, embeddings and text completions from the same deployment URLs", async () => {
    const stream = await client.chat.completions.create({
      model: "azure-chat",
      messages: [{ role: "user", content: "stream from azure" }],
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("echo: stream from azure");

    await client.embeddings.create({ model: "azure-chat", input: "vector", encoding_format: "float" });
    expect(lastRequest().path).toBe("/openai/deployments/prod-gpt4o/embeddings?api-version=2024-06-01");

    const completion = await client.completions.create({ model: "azure-chat", prompt: "legacy" });
    expect(completion.choices[0]?.text).toBe(" echo: legacy");
    expect(lastRequest().path).toBe("/openai/deployments/prod-gpt4o/completions?api-version=2024-06-01");
  });
});

describe("OpenAI-compatible providers from the table", () => {
  it("groq: sends GROQ_API_KEY as a bearer token, renames max_tokens and drops what Groq rejects", async () => {
    await client.chat.completions.create({
      model: "groq-llama",
      messages: [{ role: "user", content: "fast" }],
      max_tokens: 12,
      logprobs: true,
      top_logprobs: 2,
      logit_bias: { "42": 1 },
      temperature: 0.5,
    });
    const sent = lastRequest();
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.headers.authorization).toBe(`Bearer ${environment.GROQ_API_KEY}`);
    expect(sent.body).toEqual({
      model: "llama-3.3-70b-versatile",
      messages: [{ role: "user", content: "fast" }],
      max_completion_tokens: 12,
      temperature: 0.5,
    });
  });

  it("groq: a deployment's own api_key wins over the environment", async () => {
    await client.chat.completions.create({
      model: "groq-own-key",
      messages: [{ role: "user", content: "k" }],
    });
    expect(lastRequest().headers.authorization).toBe("Bearer gsk-config-key");
  });

  it("groq: legacy text completions go through chat, as Groq has no /completions", async () => {
    const completion = await client.completions.create({ model: "groq-llama", prompt: "complete me" });
    expect(completion.choices[0]?.text).toBe("echo: complete me");
    expect(lastRequest().path).toBe("/v1/chat/completions");
  });

  it("openrouter: sends OPENROUTER_API_KEY, its attribution header, and the deployment's extra headers", async () => {
    await client.chat.completions.create({
      model: "openrouter-claude",
      messages: [{ role: "user", content: "route me" }],
    });
    const sent = lastRequest();
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.headers.authorization).toBe(`Bearer ${environment.OPENROUTER_API_KEY}`);
    expect(sent.headers["x-title"]).toBe("Switchyard");
    expect(sent.headers["http-referer"]).toBe("https://example.test");
    expect(sent.body).toMatchObject({ model: "anthropic/claude-sonnet-4" });
  });

  it("mistral: sends seed as random_seed", async () => {
    await client.chat.completions.create({
      model: "mistral-small",
      messages: [{ role: "user", content: "seeded" }],
      seed: 99,
    });
    const sent = lastRequest();
    expect(sent.headers.authorization).toBe(`Bearer ${environment.MISTRAL_API_KEY}`);
    expect(sent.body).toMatchObject({ random_seed: 99 });
    expect(sent.body).not.toHaveProperty("seed");
  });

  it("ollama_chat: adds /v1 to a LiteLLM-style api_base and sends no key when none is set", async () => {
    const completion = await client.chat.completions.create({
      model: "local-llama",
      messages: [{ role: "user", content: "local" }],
    });
    expect(completion.choices[0]?.message.content).toBe("echo: local");
    const sent = lastRequest();
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.headers.authorization).toBeUndefined();
  });

  it("hosted_vllm: a deployment without api_base fails with a message naming what to set", async () => {
    const before = upstream.requests.length;
    const error = await client.chat.completions
      .create({ model: "vllm-missing-base", messages: [{ role: "user", content: "x" }] })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as Error).message).toMatch(/api_base or HOSTED_VLLM_API_BASE/);
    expect(upstream.requests.length).toBe(before);
  });
});

describe("provider slugs in the config", () => {
  it("accepts every table slug and azure", () => {
    for (const row of openAICompatibleProviders) expect(providerNames.has(row.name)).toBe(true);
    expect(providerNames.has("azure")).toBe(true);
  });

  it("rejects a slug no provider serves at start, naming the key", () => {
    const yaml = "model_list:\n  - model_name: m\n    litellm_params:\n      model: grok/grok-4\n";
    let error: unknown;
    try {
      parseConfig(yaml, { source: "test.yaml", env: {}, knownProviders: providerNames });
    } catch (reason) {
      error = reason;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(
      /model_list: no entry can be served: model_list\[0\]\.litellm_params\.model \(unknown provider "grok"/,
    );
  });
});
