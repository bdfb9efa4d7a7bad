import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
} from "../../../gen/switchyard/v1/completion_pb.js";
import { invalidUpstreamResponse } from "../../errors/gateway-error.js";
import { parseSseJson } from "../../http/sse.js";
import type { UpstreamClient, UpstreamResponse } from "../../http/upstream-client.js";
import { decodeAnthropicUpstreamError } from "../../wire/anthropic/anthropic-error.js";
import { decodeAnthropicMessage } from "../../wire/anthropic/anthropic-message.js";
import { encodeAnthropicRequest } from "../../wire/anthropic/anthropic-request-encode.js";
import { createAnthropicStreamDecoder } from "../../wire/anthropic/anthropic-stream-decoder.js";
import type { AnthropicRequest } from "../../wire/anthropic/anthropic-types.js";
import type { CallOptions, Provider, UpstreamRoute, UpstreamTarget } from "../provider.js";
import { sendChecked } from "../send-checked.js";
import { createAnthropicEndpoints } from "./anthropic-endpoint.js";

/**
 * A host of Anthropic's Messages wire format other than Anthropic's API
 * (Vertex AI's rawPredict): its URLs and auth, and how its body differs.
 */
export interface AnthropicHost {
  readonly name: string;
  route(target: UpstreamTarget, stream: boolean): UpstreamRoute | Promise<UpstreamRoute>;
  /** Adjusts the encoded body in place before it is sent. */
  adaptBody(body: AnthropicRequest): void;
  /** Reads the host's error responses (its front end answers in its own shape). */
  decodeError: typeof decodeAnthropicUpstreamError;
}

/**
 * Anthropic's Messages API (`anthropic/<model>`), and servers that speak it
 * through `api_base`, or another host (`host`). The wire translation lives
 * in src/wire/anthropic, shared with the Anthropic shim. No embeddings:
 * Anthropic has none.
 */
export function createAnthropicProvider(
  client: UpstreamClient,
  env: NodeJS.ProcessEnv = {},
  name = "anthropic",
  host?: AnthropicHost,
): Provider {
  const anthropicEndpoint = createAnthropicEndpoints(env);
  const route =
    host?.route ??
    ((target: UpstreamTarget) => {
      const endpoint = anthropicEndpoint(target);
      return { url: endpoint.messagesUrl, headers: endpoint.headers };
    });

  const decodeError = host?.decodeError ?? decodeAnthropicUpstreamError;

  async function post(
    body: AnthropicRequest,
    target: UpstreamTarget,
    options: CallOptions,
  ): Promise<UpstreamResponse> {
    host?.adaptBody(body);
    const { url, headers } = await route(target, body.stream === true);
    return sendChecked(
      client,
      { url, headers, body: JSON.stringify(body), whole: body.stream !== true },
      options,
      decodeError,
    );
  }

  const encode = (request: ChatCompletionRequest, target: UpstreamTarget, stream: boolean) =>
    encodeAnthropicRequest(request, {
      model: target.model,
      stream,
      // Hosts other than Anthropic's own API take the sampling parameters whatever the version header says.
      samplingParameters: host !== undefined || anthropicEndpoint(target).samplingParameters,
      dropParams: target.params.drop_params === true,
    });

  return {
    name: host?.name ?? name,

    async chatCompletion(request, target, options): Promise<ChatCompletion> {
      const response = await post(encode(request, target, false), target, options);
      return decodeAnthropicMessage(await response.json());
    },

    async *streamChatCompletion(request, target, options): AsyncGenerator<ChatCompletionChunk> {
      const response = await post(encode(request, target, true), target, options);
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
