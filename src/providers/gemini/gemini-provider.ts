import type { CreateEmbeddingsResponse } from "../../../gen/switchyard/v1/completion_pb.js";
import type { UpstreamClient } from "../../http/upstream-client.js";
import {
  decodeGeminiEmbedResponse,
  encodeGeminiEmbedRequest,
  geminiEmbedMethod,
} from "../../wire/gemini/gemini-embeddings.js";
import { stringMap } from "../openai/openai-headers.js";
import { perTarget } from "../per-target.js";
import type { Provider, UpstreamRoute, UpstreamTarget } from "../provider.js";
import {
  createGeminiApiProvider,
  type GeminiHost,
  type GeminiMethod,
  postToGemini,
} from "./gemini-api-provider.js";

/** Google AI Studio's API root; `api_base` replaces it (LiteLLM: `{api_base}/models/{model}:{method}`). */
export const GEMINI_API_BASE = "https://generativelanguage.googleapis.com/v1beta";

/**
 * Gemini on Google AI Studio (`gemini/<model>`):
 * `POST {api_base}/models/{model}:generateContent`, or
 * `:streamGenerateContent?alt=sse` (SSE, one GenerateContentResponse per
 * event), `:embedContent` / `:batchEmbedContents`; the key goes in the
 * `x-goog-api-key` header, from `api_key` or GEMINI_API_KEY (read once, at
 * start). `extra_headers` are added.
 */
export function createGeminiProvider(client: UpstreamClient, env: NodeJS.ProcessEnv = {}): Provider {
  const environmentKey = env.GEMINI_API_KEY || undefined;
  const modelRoute = perTarget((target) => {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json",
    };
    const apiKey = target.apiKey ?? environmentKey;
    if (apiKey !== undefined) headers["x-goog-api-key"] = apiKey;
    Object.assign(headers, stringMap(target.params.extra_headers));
    return {
      base: `${target.apiBase ?? GEMINI_API_BASE}/models/${encodeURIComponent(target.model)}`,
      headers,
    };
  });

  function route(target: UpstreamTarget, method: GeminiMethod): UpstreamRoute {
    const { base, headers } = modelRoute(target);
    const query = method === "streamGenerateContent" ? "?alt=sse" : "";
    return { url: `${base}:${method}${query}`, headers };
  }

  const host: GeminiHost = {
    name: "gemini",
    route,
    async embeddings(request, target, options): Promise<CreateEmbeddingsResponse> {
      const method = geminiEmbedMethod(request);
      const body = encodeGeminiEmbedRequest(request, target.model);
      const response = await postToGemini(client, host, method, body, target, options);
      return decodeGeminiEmbedResponse(await response.json(), target.model);
    },
  };
  return createGeminiApiProvider(client, host);
}
