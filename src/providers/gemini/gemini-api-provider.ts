import { randomUUID } from "node:crypto";
import type { ChatCompletion, ChatCompletionChunk } from "../../../gen/switchyard/v1/completion_pb.js";
import { invalidUpstreamResponse } from "../../errors/gateway-error.js";
import { parseSseJson } from "../../http/sse.js";
import type { UpstreamClient, UpstreamResponse } from "../../http/upstream-client.js";
import { decodeGeminiUpstreamError } from "../../wire/gemini/gemini-error.js";
import { encodeGeminiRequest } from "../../wire/gemini/gemini-request-encode.js";
import { decodeGeminiResponse } from "../../wire/gemini/gemini-response-decode.js";
import { createGeminiStreamDecoder } from "../../wire/gemini/gemini-stream-decoder.js";
import type { CallOptions, Provider, UpstreamRoute, UpstreamTarget } from "../provider.js";
import { sendChecked } from "../send-checked.js";

/** The model methods of the Gemini API the gateway calls (`…/models/<model>:<method>`). */
export type GeminiMethod =
  | "generateContent"
  | "streamGenerateContent"
  | "embedContent"
  | "batchEmbedContents"
  | "predict";

/**
 * What sets one host of the Gemini wire format apart: AI Studio (an API
 * key) or Vertex AI (project URLs, OAuth tokens). `route` may be async: a
 * Vertex token is fetched (rarely) off the event loop's critical path.
 */
export interface GeminiHost {
  readonly name: string;
  route(target: UpstreamTarget, method: GeminiMethod): UpstreamRoute | Promise<UpstreamRoute>;
  embeddings: Provider["embeddings"];
}

/** Ids for function calls Gemini sent without one. */
export function newToolCallId(): string {
  return `call_${randomUUID().replaceAll("-", "").slice(0, 24)}`;
}

/**
 * Sends a JSON body to one Gemini method and returns the 2xx response;
 * other statuses become GatewayErrors read from Google's error body.
 */
export async function postToGemini(
  client: UpstreamClient,
  host: GeminiHost,
  method: GeminiMethod,
  body: unknown,
  target: UpstreamTarget,
  options: CallOptions,
): Promise<UpstreamResponse> {
  const route = await host.route(target, method);
  return sendChecked(
    client,
    { url: route.url, headers: route.headers, body: JSON.stringify(body) },
    options,
    decodeGeminiUpstreamError,
  );
}

/**
 * Chat over the Gemini wire format (src/wire/gemini), on whichever host.
 * Embeddings are the host's own: AI Studio and Vertex AI differ there.
 */
export function createGeminiApiProvider(client: UpstreamClient, host: GeminiHost): Provider {
  const encode = (request: Parameters<Provider["chatCompletion"]>[0], target: UpstreamTarget) =>
    encodeGeminiRequest(request, { safetySettings: target.params.safety_settings });

  const provider: Provider = {
    name: host.name,

    async chatCompletion(request, target, options): Promise<ChatCompletion> {
      const body = encode(request, target);
      const response = await postToGemini(client, host, "generateContent", body, target, options);
      const completion = decodeGeminiResponse(await response.json(), newToolCallId);
      if (completion.model === "") completion.model = target.model;
      return completion;
    },

    async *streamChatCompletion(request, target, options): AsyncGenerator<ChatCompletionChunk> {
      const body = encode(request, target);
      const response = await postToGemini(client, host, "streamGenerateContent", body, target, options);
      const decoder = createGeminiStreamDecoder(newToolCallId);
      for await (const event of response.events()) {
        const chunk = decoder.decode(parseSseJson(event.data));
        if (chunk === undefined) continue;
        if (chunk.model === "") chunk.model = target.model;
        yield chunk;
      }
      // A stream that ends without a finish reason lost its end (and its usage).
      const last = decoder.finish();
      if (last === undefined) throw invalidUpstreamResponse();
      if (last.model === "") last.model = target.model;
      yield last;
    },
  };
  if (host.embeddings !== undefined) provider.embeddings = host.embeddings;
  return provider;
}
