import { startFakeAnthropic } from "../fakes/anthropic-upstream.js";
import { startFakeGemini } from "../fakes/gemini-upstream.js";
import { startFakeGoogleOAuth } from "../fakes/google-oauth-server.js";
import type { ProviderCase } from "./provider-cases.js";

/**
 * Google's providers under the conformance suite: Gemini on AI Studio,
 * Gemini on Vertex AI and Claude on Vertex AI. Vertex deployments
 * authenticate with a service-account key made for the test, whose
 * `token_uri` points at a fake OAuth token server; the fake upstream
 * accepts only the tokens that server issued.
 */

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json =>
  typeof value === "object" && value !== null ? (value as Json) : {};
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Gemini's wire format, as the fake recorded it. */
const geminiWire = {
  sentSystem(body: unknown) {
    const text = asArray(asObject(asObject(body).systemInstruction).parts)
      .map((part) => asObject(part).text)
      .join("");
    return text || undefined;
  },
  sentToolNames(body: unknown) {
    return asArray(asObject(body).tools).flatMap((tool) =>
      asArray(asObject(tool).functionDeclarations).map((declaration) => String(asObject(declaration).name)),
    );
  },
  sentImages(body: unknown) {
    return asArray(asObject(body).contents).flatMap((content) =>
      asArray(asObject(content).parts)
        .map((part) => asObject(asObject(part).inlineData))
        .filter((data) => typeof data.data === "string")
        .map((data) => `data:${data.mimeType};base64,${data.data}`),
    );
  },
};

/** Anthropic's Messages format as Vertex AI receives it (no model, anthropic_version). */
const vertexClaudeWire = {
  sentSystem(body: unknown) {
    const system = asObject(body).system;
    return typeof system === "string" ? system : undefined;
  },
  sentToolNames(body: unknown) {
    return asArray(asObject(body).tools).map((tool) => String(asObject(tool).name));
  },
  sentImages(body: unknown) {
    return asArray(asObject(body).messages).flatMap((message) =>
      asArray(asObject(message).content)
        .map(asObject)
        .filter((block) => block.type === "image")
        .map((block) => asObject(block.source))
        .map((source) => `data:${source.media_type};base64,${source.data}`),
    );
  },
};

const allCapabilities = [
  "chat",
  "stream",
  "tools",
  "stream-tools",
  "embeddings",
  "text-completion",
  "images",
] as const;

/** A fake Vertex AI (OAuth server, Google upstream, Anthropic upstream for Claude) and its litellm_params. */
async function startFakeVertex(model: string) {
  const oauth = await startFakeGoogleOAuth();
  const anthropic = await startFakeAnthropic();
  const upstream = await startFakeGemini({
    validToken: (token) => oauth.issued.has(token),
    anthropicUrl: anthropic.url,
  });
  const key = JSON.stringify(oauth.serviceAccountKey());
  return {
    params:
      `      model: vertex_ai/${model}\n      api_base: ${upstream.origin}\n` +
      `      vertex_project: switchyard-test\n      vertex_location: us-east5\n` +
      `      vertex_credentials: '${key}'`,
    requests: upstream.requests,
    async close() {
      await upstream.close();
      await anthropic.close();
      await oauth.close();
    },
  };
}

export const googleProviderCases: readonly ProviderCase[] = [
  {
    name: "gemini",
    capabilities: new Set(allCapabilities),
    async start() {
      const fake = await startFakeGemini({ apiKey: "gemini-conformance-key" });
      return {
        params: `      model: gemini/gemini-2.5-flash\n      api_base: ${fake.origin}/v1beta\n      api_key: gemini-conformance-key`,
        requests: fake.requests,
        close: () => fake.close(),
      };
    },
    ...geminiWire,
  },
  {
    name: "vertex_ai (gemini)",
    capabilities: new Set(allCapabilities),
    start: () => startFakeVertex("gemini-2.5-flash"),
    ...geminiWire,
  },
  {
    name: "vertex_ai (claude)",
    capabilities: new Set(["chat", "stream", "tools", "stream-tools", "text-completion", "images"]),
    start: () => startFakeVertex("claude-sonnet-4-5@20250929"),
    ...vertexClaudeWire,
  },
];
