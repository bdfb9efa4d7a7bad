import type {
  ChatCompletion,
  ChatCompletionChunk,
  CreateEmbeddingsRequest,
  CreateEmbeddingsResponse,
} from "../../../gen/switchyard/v1/completion_pb.js";
import { readSseEvents } from "../../http/sse.js";
import type { UpstreamClient, UpstreamResponse } from "../../http/upstream-client.js";
import { decodeChatChunk } from "../../wire/openai/chat-chunk.js";
import { decodeChatCompletion } from "../../wire/openai/chat-completion.js";
import { encodeChatRequest } from "../../wire/openai/chat-request.js";
import { decodeEmbeddingsResponse, encodeEmbeddingsRequest } from "../../wire/openai/embeddings.js";
import { decodeUpstreamError, invalidUpstreamResponse } from "../../wire/openai/openai-error.js";
import type { CallOptions, Provider, UpstreamTarget } from "../provider.js";
import { openAIHeaders } from "./openai-headers.js";

export const OPENAI_API_BASE = "https://api.openai.com/v1";

/**
 * OpenAI, and any server that speaks its chat completions API (vLLM, Ollama,
 * LM Studio, TGI, …) through `api_base`. The wire translation lives in
 * src/wire/openai, shared with the OpenAI REST shim.
 */
export function createOpenAIProvider(client: UpstreamClient, name = "openai"): Provider {
  async function post(
    path: string,
    body: unknown,
    target: UpstreamTarget,
    options: CallOptions,
  ): Promise<UpstreamResponse> {
    const response = await client.send({
      url: (target.apiBase ?? OPENAI_API_BASE) + path,
      headers: openAIHeaders(target),
      body: JSON.stringify(body),
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    });
    if (response.status >= 200 && response.status < 300) return response;
    try {
      throw decodeUpstreamError(response.status, await response.text(), response.headers);
    } finally {
      response.finish();
    }
  }

  async function readJson(response: UpstreamResponse): Promise<unknown> {
    let text: string;
    try {
      text = await response.text();
    } finally {
      response.finish();
    }
    try {
      return JSON.parse(text);
    } catch (error) {
      throw invalidUpstreamResponse(error);
    }
  }

  return {
    name,

    async chatCompletion(request, target, options): Promise<ChatCompletion> {
      const body = encodeChatRequest(request, { model: target.model, stream: false });
      return decodeChatCompletion(await readJson(await post("/chat/completions", body, target, options)));
    },

    async *streamChatCompletion(request, target, options): AsyncGenerator<ChatCompletionChunk> {
      const body = encodeChatRequest(request, { model: target.model, stream: true });
      const response = await post("/chat/completions", body, target, options);
      try {
        let started = false;
        for await (const event of readSseEvents(response.body)) {
          if (event.data === "[DONE]") return;
          let json: unknown;
          try {
            json = JSON.parse(event.data);
          } catch (error) {
            throw invalidUpstreamResponse(error);
          }
          if (!started) {
            started = true;
            response.streamStarted();
          }
          yield decodeChatChunk(json);
        }
      } finally {
        response.finish();
      }
    },

    async embeddings(request: CreateEmbeddingsRequest, target, options): Promise<CreateEmbeddingsResponse> {
      const body = encodeEmbeddingsRequest(request, { model: target.model, encodingFormat: "float" });
      return decodeEmbeddingsResponse(await readJson(await post("/embeddings", body, target, options)));
    },
  };
}
