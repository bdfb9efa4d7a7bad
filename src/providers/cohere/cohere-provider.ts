import type { ChatCompletion, ChatCompletionChunk } from "../../../gen/switchyard/v1/completion_pb.js";
import { invalidUpstreamResponse } from "../../errors/gateway-error.js";
import { parseSseJson } from "../../http/sse.js";
import type { UpstreamClient, UpstreamResponse } from "../../http/upstream-client.js";
import { encodeCohereChatRequest } from "../../wire/cohere/cohere-chat-request.js";
import { decodeCohereChatResponse } from "../../wire/cohere/cohere-chat-response.js";
import { decodeCohereEmbedResponse, encodeCohereEmbedRequest } from "../../wire/cohere/cohere-embed.js";
import { createCohereStreamDecoder } from "../../wire/cohere/cohere-stream-decoder.js";
import { decodeCohereRerankResponse, encodeCohereRerankRequest } from "../../wire/cohere/rerank.js";
import { decodeUpstreamError } from "../../wire/openai/openai-error.js";
import { stringMap } from "../openai/openai-headers.js";
import { perTarget } from "../per-target.js";
import type { CallOptions, Provider, UpstreamTarget } from "../provider.js";
import { sendChecked } from "../send-checked.js";

export const COHERE_API_BASE = "https://api.cohere.com";

/** Cohere v2 operations, by path under the API base. */
export type CohereOperation = "/v2/chat" | "/v2/embed" | "/v2/rerank";

/**
 * Cohere's v2 API (`cohere/<model>`): chat (SSE streams with Cohere's own
 * event types), embed, and rerank (used by the rerank route). The key is
 * the deployment's `api_key`, else COHERE_API_KEY or CO_API_KEY (LiteLLM
 * reads both), sent as a bearer token; `api_base` is the host root, a
 * trailing `/v1` or `/v2` tolerated, else COHERE_API_BASE or api.cohere.com.
 * Errors are `{"message"}` bodies, decoded with the gateway's status table.
 */
export interface CohereProvider extends Provider {
  /** POSTs a JSON body to a v2 operation and returns the 2xx response; other statuses are thrown. */
  post(
    operation: CohereOperation,
    body: unknown,
    target: UpstreamTarget,
    options: CallOptions,
  ): Promise<UpstreamResponse>;
}

export function createCohereProvider(client: UpstreamClient, env: NodeJS.ProcessEnv = {}): CohereProvider {
  const environmentKey = env.COHERE_API_KEY || env.CO_API_KEY || undefined;
  const environmentBase = env.COHERE_API_BASE || undefined;
  const endpoint = perTarget((target) => {
    const base = (target.apiBase ?? environmentBase ?? COHERE_API_BASE)
      .replace(/\/+$/, "")
      .replace(/\/v[12]$/, "");
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json",
    };
    const key = target.apiKey ?? environmentKey;
    if (key !== undefined) headers.authorization = `Bearer ${key}`;
    Object.assign(headers, stringMap(target.params.extra_headers));
    return { base, headers };
  });

  async function post(
    operation: CohereOperation,
    body: unknown,
    target: UpstreamTarget,
    options: CallOptions,
  ): Promise<UpstreamResponse> {
    const { base, headers } = endpoint(target);
    return sendChecked(
      client,
      { url: base + operation, headers, body: JSON.stringify(body) },
      options,
      decodeUpstreamError,
    );
  }

  return {
    name: "cohere",
    post,

    async chatCompletion(request, target, options): Promise<ChatCompletion> {
      const response = await post(
        "/v2/chat",
        encodeCohereChatRequest(request, target.model, false),
        target,
        options,
      );
      return decodeCohereChatResponse(await response.json(), target.model);
    },

    async *streamChatCompletion(request, target, options): AsyncGenerator<ChatCompletionChunk> {
      const response = await post(
        "/v2/chat",
        encodeCohereChatRequest(request, target.model, true),
        target,
        options,
      );
      const decoder = createCohereStreamDecoder(target.model);
      for await (const event of response.events()) {
        if (decoder.done) continue;
        const chunk = decoder.decode(parseSseJson(event.data));
        if (chunk !== undefined) yield chunk;
      }
      if (!decoder.done) throw invalidUpstreamResponse();
      const usage = decoder.usageChunk();
      if (usage !== undefined) yield usage;
    },

    async embeddings(request, target, options) {
      const body = encodeCohereEmbedRequest(request, target.model);
      const response = await post("/v2/embed", body, target, options);
      return decodeCohereEmbedResponse(await response.json(), target.model, request.inputs.length);
    },

    async rerank(request, target, options) {
      const response = await post(
        "/v2/rerank",
        encodeCohereRerankRequest(request, target.model),
        target,
        options,
      );
      return decodeCohereRerankResponse(await response.json(), request, target.model);
    },
  };
}
