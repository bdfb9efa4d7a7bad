import { randomUUID } from "node:crypto";
import type { ChatCompletion, ChatCompletionChunk } from "../../../gen/switchyard/v1/completion_pb.js";
import { invalidUpstreamResponse } from "../../errors/gateway-error.js";
import type { UpstreamClient, UpstreamResponse } from "../../http/upstream-client.js";
import { tokenCount } from "../../wire/anthropic/anthropic-usage.js";
import { decodeBedrockError } from "../../wire/bedrock/bedrock-error.js";
import { encodeConverseRequest } from "../../wire/bedrock/converse-request-encode.js";
import { decodeConverseResponse } from "../../wire/bedrock/converse-response-decode.js";
import { createConverseStreamDecoder } from "../../wire/bedrock/converse-stream-decoder.js";
import type { CallOptions, Provider, UpstreamTarget } from "../provider.js";
import { sendChecked } from "../send-checked.js";
import { bedrockEmbeddings } from "./bedrock-embeddings.js";
import { createBedrockEndpoints } from "./bedrock-endpoint.js";
import { readBedrockEventStream } from "./bedrock-event-stream.js";

/**
 * Amazon Bedrock (`bedrock/<model>`, `bedrock/converse/<model>`): chat
 * through the Converse and ConverseStream APIs, which speak one format for
 * every model family, and Titan/Cohere embeddings through InvokeModel. Every
 * request is SigV4-signed (bedrock-endpoint.ts); streams are AWS event
 * streams (bedrock-event-stream.ts). Chat-only for text completions: the
 * service sends a prompt as one user message.
 */
export function createBedrockProvider(client: UpstreamClient, env: NodeJS.ProcessEnv = {}): Provider {
  const bedrockEndpoint = createBedrockEndpoints(env);

  async function post(
    operation: "converse" | "converse-stream" | "invoke",
    body: unknown,
    target: UpstreamTarget,
    options: CallOptions,
  ): Promise<UpstreamResponse> {
    const endpoint = bedrockEndpoint(target);
    const url = `${endpoint.runtimeBase}/model/${endpoint.encodedModelId}/${operation}`;
    const text = JSON.stringify(body);
    return sendChecked(
      client,
      { url, headers: await endpoint.sign(url, text), body: text },
      options,
      decodeBedrockError,
    );
  }

  const completionId = (response: UpstreamResponse) =>
    `chatcmpl-${response.headers.get("x-amzn-requestid") ?? randomUUID()}`;

  return {
    name: "bedrock",

    async chatCompletion(request, target, options): Promise<ChatCompletion> {
      const response = await post("converse", encodeConverseRequest(request), target, options);
      return decodeConverseResponse(await response.json(), completionId(response), target.model);
    },

    async *streamChatCompletion(request, target, options): AsyncGenerator<ChatCompletionChunk> {
      const response = await post("converse-stream", encodeConverseRequest(request), target, options);
      const decoder = createConverseStreamDecoder(completionId(response), target.model);
      for await (const event of readBedrockEventStream(response.bytes())) {
        const chunk = decoder.decode(event.eventType, event.payload);
        if (chunk !== undefined) yield chunk;
      }
      // A stream that ends before messageStop lost its end.
      if (!decoder.stopped) throw invalidUpstreamResponse();
    },

    async embeddings(request, target, options) {
      const modelId = decodeURIComponent(bedrockEndpoint(target).encodedModelId);
      return bedrockEmbeddings(request, modelId, async (body) => {
        const response = await post("invoke", body, target, options);
        const inputTokens = tokenCount(Number(response.headers.get("x-amzn-bedrock-input-token-count")));
        return { json: await response.json(), inputTokens };
      });
    },
  };
}
