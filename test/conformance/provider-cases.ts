import { startFakeAnthropic } from "../fakes/anthropic-upstream.js";
import { startFakeBedrock } from "../fakes/bedrock-upstream.js";
import { startFakeCohere } from "../fakes/cohere-upstream.js";
import { startFakeHuggingFace } from "../fakes/huggingface-upstream.js";
import { startFakeOpenAI } from "../fakes/openai-upstream.js";
import { googleProviderCases } from "./google-provider-cases.js";

/** What a provider is expected to do through the gateway. */
export type Capability =
  | "chat"
  | "stream"
  | "tools"
  | "stream-tools"
  | "embeddings"
  | "text-completion"
  | "images";

/** A request the gateway sent upstream, as the fake recorded it. */
export interface SentRequest {
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
}

/**
 * One provider under the conformance suite: how to start its fake upstream,
 * the model_list entry that reaches it, what it can do, and how to read
 * the provider's own wire format back out of what the fake received.
 */
export interface ProviderCase {
  readonly name: string;
  readonly capabilities: ReadonlySet<Capability>;
  start(): Promise<RunningUpstream>;
  /** The system prompt as the upstream received it. */
  sentSystem(body: unknown): string | undefined;
  /** Names of the tools the upstream was offered. */
  sentToolNames(body: unknown): string[];
  /** URLs or base64 data of the images the upstream received. */
  sentImages(body: unknown): string[];
}

export interface RunningUpstream {
  /** `litellm_params` lines (indented for a model_list entry) that route to this fake. */
  readonly params: string;
  readonly requests: readonly SentRequest[];
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json =>
  typeof value === "object" && value !== null ? (value as Json) : {};
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** OpenAI-format bodies: the OpenAI provider, and the Hugging Face router. */
const openAIWire = {
  sentSystem(body: unknown) {
    const system = asArray(asObject(body).messages)
      .map(asObject)
      .find((message) => message.role === "system");
    return typeof system?.content === "string" ? system.content : undefined;
  },
  sentToolNames(body: unknown) {
    return asArray(asObject(body).tools).map((tool) => String(asObject(asObject(tool).function).name));
  },
  sentImages(body: unknown) {
    return asArray(asObject(body).messages).flatMap((message) =>
      asArray(asObject(message).content)
        .map(asObject)
        .filter((part) => part.type === "image_url")
        .map((part) => String(asObject(part.image_url).url)),
    );
  },
};

export const providerCases: readonly ProviderCase[] = [
  {
    name: "openai",
    capabilities: new Set([
      "chat",
      "stream",
      "tools",
      "stream-tools",
      "embeddings",
      "text-completion",
      "images",
    ]),
    async start() {
      const fake = await startFakeOpenAI({ apiKey: "sk-openai-conformance" });
      return {
        params: `      model: openai/gpt-4o-mini\n      api_base: ${fake.url}\n      api_key: sk-openai-conformance`,
        requests: fake.requests,
        close: () => fake.close(),
      };
    },
    ...openAIWire,
  },
  {
    name: "anthropic",
    capabilities: new Set(["chat", "stream", "tools", "stream-tools", "text-completion", "images"]),
    async start() {
      const fake = await startFakeAnthropic({ apiKey: "sk-ant-conformance" });
      return {
        params: `      model: anthropic/claude-sonnet-4\n      api_base: ${fake.url}\n      api_key: sk-ant-conformance`,
        requests: fake.requests,
        close: () => fake.close(),
      };
    },
    sentSystem(body) {
      const system = asObject(body).system;
      if (typeof system === "string") return system;
      const text = asArray(system)
        .map((block) => asObject(block).text)
        .join("");
      return text || undefined;
    },
    sentToolNames(body) {
      return asArray(asObject(body).tools).map((tool) => String(asObject(tool).name));
    },
    sentImages(body) {
      return asArray(asObject(body).messages).flatMap((message) =>
        asArray(asObject(message).content)
          .map(asObject)
          .filter((block) => block.type === "image")
          .map((block) => {
            const source = asObject(block.source);
            return String(
              source.type === "url" ? source.url : `data:${source.media_type};base64,${source.data}`,
            );
          }),
      );
    },
  },
  {
    name: "huggingface (router chat)",
    capabilities: new Set(["chat", "stream", "tools", "stream-tools", "text-completion", "images"]),
    async start() {
      const fake = await startFakeHuggingFace({ apiKey: "hf_conformance" });
      return {
        params: `      model: huggingface/meta-llama/Llama-3.1-8B-Instruct\n      api_base: ${fake.origin}/v1\n      api_key: hf_conformance`,
        requests: fake.requests,
        close: () => fake.close(),
      };
    },
    ...openAIWire,
  },
  {
    name: "huggingface (TGI text-generation)",
    capabilities: new Set(["chat", "stream", "text-completion"]),
    async start() {
      const fake = await startFakeHuggingFace({ apiKey: "hf_conformance" });
      return {
        params: `      model: huggingface/bigcode/starcoder\n      api_base: ${fake.origin}\n      api_key: hf_conformance`,
        requests: fake.requests,
        close: () => fake.close(),
      };
    },
    sentSystem(body) {
      const match = /^System: (.*)$/m.exec(String(asObject(body).inputs ?? ""));
      return match?.[1];
    },
    sentToolNames: () => [],
    sentImages: () => [],
  },
  ...googleProviderCases,
  {
    name: "bedrock (converse)",
    capabilities: new Set(["chat", "stream", "tools", "stream-tools", "text-completion", "images"]),
    async start() {
      const fake = await startFakeBedrock({
        accessKeyId: "AKIACONFORMANCE",
        secretAccessKey: "conformance-secret",
        region: "eu-west-3",
      });
      return {
        params: [
          "      model: bedrock/converse/us.anthropic.claude-3-5-haiku-20241022-v1:0",
          `      aws_bedrock_runtime_endpoint: ${fake.url}`,
          "      aws_access_key_id: AKIACONFORMANCE",
          "      aws_secret_access_key: conformance-secret",
          "      aws_region_name: eu-west-3",
        ].join("\n"),
        requests: fake.requests,
        close: () => fake.close(),
      };
    },
    sentSystem(body) {
      const text = asArray(asObject(body).system)
        .map((block) => asObject(block).text)
        .join("");
      return text || undefined;
    },
    sentToolNames(body) {
      const toolConfig = asObject(asObject(body).toolConfig);
      return asArray(toolConfig.tools).map((tool) => String(asObject(asObject(tool).toolSpec).name));
    },
    sentImages(body) {
      return asArray(asObject(body).messages).flatMap((message) =>
        asArray(asObject(message).content)
          .map((block) => asObject(asObject(block).image))
          .filter((image) => image.format !== undefined)
          .map((image) => `data:image/${image.format};base64,${asObject(image.source).bytes}`),
      );
    },
  },
  {
    name: "cohere",
    capabilities: new Set([
      "chat",
      "stream",
      "tools",
      "stream-tools",
      "embeddings",
      "text-completion",
      "images",
    ]),
    async start() {
      const fake = await startFakeCohere({ apiKey: "co-conformance" });
      return {
        params: `      model: cohere/command-a-03-2025\n      api_base: ${fake.url}\n      api_key: co-conformance`,
        requests: fake.requests,
        close: () => fake.close(),
      };
    },
    ...openAIWire,
  },
  {
    name: "xinference",
    capabilities: new Set([
      "chat",
      "stream",
      "tools",
      "stream-tools",
      "embeddings",
      "text-completion",
      "images",
    ]),
    async start() {
      const fake = await startFakeOpenAI({ apiKey: "xinference-conformance" });
      return {
        // Xinference configs often leave /v1 out of api_base; the table adds it.
        params: `      model: xinference/qwen2.5-instruct\n      api_base: ${fake.url.slice(0, -"/v1".length)}\n      api_key: xinference-conformance`,
        requests: fake.requests,
        close: () => fake.close(),
      };
    },
    ...openAIWire,
  },
  {
    name: "text-completion-openai",
    capabilities: new Set(["chat", "stream", "embeddings", "text-completion"]),
    async start() {
      const fake = await startFakeOpenAI({ apiKey: "sk-instruct-conformance" });
      return {
        params: `      model: text-completion-openai/gpt-3.5-turbo-instruct\n      api_base: ${fake.url}\n      api_key: sk-instruct-conformance`,
        requests: fake.requests,
        close: () => fake.close(),
      };
    },
    // Chat goes to /v1/completions as a rendered transcript.
    sentSystem(body) {
      const prompt = asArray(asObject(body).prompt)[0] ?? asObject(body).prompt;
      return /^System: (.*)$/m.exec(String(prompt ?? ""))?.[1];
    },
    sentToolNames: () => [],
    sentImages: () => [],
  },
];
