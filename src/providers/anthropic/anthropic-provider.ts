import type { ChatCompletion, ChatCompletionChunk } from "../../../gen/switchyard/v1/completion_pb.js";
import { invalidUpstreamResponse } from "../../errors/gateway-error.js";
import { parseSseJson } from "../../http/sse.js";
import type { UpstreamClient, UpstreamResponse } from "../../http/upstream-client.js";
import { decodeAnthropicUpstreamError } from "../../wire/anthropic/anthropic-error.js";
import { decodeAnthropicMessage } from "../../wire/anthropic/anthropic-message.js";
import { encodeAnthropicRequest } from "../../wire/anthropic/anthropic-request-encode.js";
import { createAnthropicStreamDecoder } from "../../wire/anthropic/anthropic-stream-decoder.js";
import type { CallOptions, Provider, UpstreamTarget } from "../provider.js";
import { createAnthropicEndpoints } from "./anthropic-endpoint.js";

/**
 * Anthropic's Messages API (`anthropic/<model>`), and servers that speak it
 * through `api_base`. The wire translation lives in src/wire/anthropic,
 * shared with the Anthropic shim. No embeddings: Anthropic has none.
 */
export function createAnthropicProvider(
  client: UpstreamClient,
  env: NodeJS.ProcessEnv = {},
  name = "anthropic",
): Provider {
  const anthropicEndpoint = createAnthropicEndpoints(env);

  async function post(
    body: unknown,
    target: UpstreamTarget,
    options: CallOptions,
  ): Promise<UpstreamResponse> {
    const endpoint = anthropicEndpoint(target);
    const response = await client.send({
      url: endpoint.messagesUrl,
      headers: endpoint.headers,
      body: JSON.stringify(body),
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    });
    if (response.status >= 200 && response.status < 300) return response;
    throw decodeAnthropicUpstreamError(response.status, await response.text(), response.headers);
  }

  return {
    name,

    async chatCompletion(request, target, options): Promise<ChatCompletion> {
      const body = encodeAnthropicRequest(request, {
        model: target.model,
        stream: false,
        samplingParameters: anthropicEndpoint(target).samplingParameters,
        dropParams: target.params.drop_params === true,
      });
      const response = await post(body, target, options);
      return decodeAnthropicMessage(await response.json());
    },

    async *streamChatCompletion(request, target, options): AsyncGenerator<ChatCompletionChunk> {
      const body = encodeAnthropicRequest(request, {
        model: target.model,
        stream: true,
        samplingParameters: anthropicEndpoint(target).samplingParameters,
        dropParams: target.params.drop_params === true,
      });
      const response = await post(body, target, options);
      const decoder = createAnthropicStreamDecoder();
      // Read on to the end of the body after message_stop: leaving a body
      // early destroys its connection instead of returning it to the pool.
      for await (const event of response.events()) {
        if (decoder.done) continue;
        const chunk = decoder.decode(parseSseJson(event.data));
        if (chunk !== undefined) yield chunk;
      }
      // A stream that ends without message_stop lost its end (and its usage).
      if (!decoder.done) throw invalidUpstreamResponse();
    },
  };
}
