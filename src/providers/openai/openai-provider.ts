import { Code } from "@connectrpc/connect";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  CreateEmbeddingsRequest,
  CreateEmbeddingsResponse,
  TextCompletion,
} from "../../../gen/switchyard/v1/completion_pb.js";
import { GatewayError, invalidUpstreamResponse } from "../../errors/gateway-error.js";
import { multipartBody } from "../../http/multipart-body.js";
import { parseSseJson } from "../../http/sse.js";
import type { UpstreamClient, UpstreamResponse } from "../../http/upstream-client.js";
import { decodeChatChunk } from "../../wire/openai/chat-chunk.js";
import { decodeChatCompletion } from "../../wire/openai/chat-completion.js";
import { type EncodeChatRequestOptions, encodeChatRequest } from "../../wire/openai/chat-request.js";
import { decodeEmbeddingsResponse, encodeEmbeddingsRequest } from "../../wire/openai/embeddings.js";
import { decodeUpstreamError } from "../../wire/openai/openai-error.js";
import { decodeTextCompletion, encodeTextCompletionRequest } from "../../wire/openai/text-completion.js";
import type {
  AudioAnswer,
  AudioEndpoint,
  CallOptions,
  Provider,
  RelayedEndpoint,
  TranscriptionAnswer,
  UpstreamTarget,
} from "../provider.js";
import { sendChecked } from "../send-checked.js";
import { openAIHeaders } from "./openai-headers.js";

export const OPENAI_API_BASE = "https://api.openai.com/v1";

/** The OpenAI endpoints a provider built here calls, relative to the API base. */
export type OpenAIEndpoint =
  | "/chat/completions"
  | "/completions"
  | "/embeddings"
  | "/audio/speech"
  | AudioEndpoint
  | RelayedEndpoint;

/**
 * What sets one OpenAI-style upstream apart from OpenAI itself. Every hook
 * is called per request, so it should look up what it computed once per
 * deployment (targets are immutable after start) rather than rebuild it.
 */
export interface OpenAIProviderOptions {
  /** Slug prefix; default "openai". */
  readonly name?: string;
  /** Base URL for deployments without `api_base`; default OpenAI's. */
  readonly defaultApiBase?: string;
  /** The full URL of an endpoint; default the API base followed by the endpoint. */
  readonly endpointUrl?: (target: UpstreamTarget, endpoint: OpenAIEndpoint) => string;
  /** Request headers, auth included; default openAIHeaders. */
  readonly headers?: (target: UpstreamTarget) => Record<string, string>;
  /**
   * Adjusts an encoded body in place just before it is sent: parameter
   * renames and drops of servers that differ from OpenAI in names only.
   */
  readonly adaptBody?: (body: Record<string, unknown>, endpoint: OpenAIEndpoint) => void;
}

/**
 * OpenAI, and any server that speaks its API (vLLM, Ollama, LM Studio, TGI,
 * Groq, Azure OpenAI, …) through `api_base` and the options above. The wire
 * translation lives in src/wire/openai, shared with the OpenAI REST shim.
 *
 * `litellm_params.max_tokens_field` (`max_tokens` or `max_completion_tokens`)
 * overrides which name the token limit goes upstream under, for deployments
 * whose model name does not show the model family (Azure deployments,
 * fine-tunes, proxies).
 */
export function createOpenAIProvider(client: UpstreamClient, settings: OpenAIProviderOptions = {}): Provider {
  const defaultApiBase = settings.defaultApiBase ?? OPENAI_API_BASE;
  const endpointUrl =
    settings.endpointUrl ??
    ((target: UpstreamTarget, endpoint: OpenAIEndpoint) => (target.apiBase ?? defaultApiBase) + endpoint);
  const headers = settings.headers ?? openAIHeaders;
  const adaptBody = settings.adaptBody;

  async function post(
    endpoint: OpenAIEndpoint,
    body: Record<string, unknown>,
    target: UpstreamTarget,
    options: CallOptions,
    whole = false,
  ): Promise<UpstreamResponse> {
    adaptBody?.(body, endpoint);
    return sendChecked(
      client,
      { url: endpointUrl(target, endpoint), headers: headers(target), body: JSON.stringify(body), whole },
      options,
      decodeUpstreamError,
    );
  }

  async function postForJson(
    endpoint: OpenAIEndpoint,
    body: Record<string, unknown>,
    target: UpstreamTarget,
    options: CallOptions,
  ): Promise<unknown> {
    return (await post(endpoint, body, target, options, true)).json();
  }

  /**
   * Sends the request on the first `next()` and yields each decoded `data:`
   * event until `[DONE]`. One generator from socket to chunk: every layer of
   * async iteration costs a promise per chunk.
   */
  async function* stream<Chunk>(
    endpoint: OpenAIEndpoint,
    encodeBody: () => Record<string, unknown>,
    target: UpstreamTarget,
    options: CallOptions,
    decode: (json: unknown) => Chunk,
  ): AsyncGenerator<Chunk> {
    const response = await post(endpoint, encodeBody(), target, options);
    let done = false;
    let finished = false;
    // Read on to the end of the body after [DONE]: leaving a body early
    // destroys its connection instead of returning it to the pool.
    for await (const event of response.events()) {
      if (done) continue;
      if (event.data === "[DONE]") done = true;
      else {
        const chunk = decode(parseSseJson(event.data));
        finished ||= hasFinishReason(chunk);
        yield chunk;
      }
    }
    // An empty body, or one cut short, is no answer. Servers that leave out
    // [DONE] after a finish reason have said all they had to say.
    if (!done && !finished) {
      throw invalidUpstreamResponse(undefined, "upstream stream ended without its end ([DONE])");
    }
  }

  function chatOptions(target: UpstreamTarget, stream: boolean): EncodeChatRequestOptions {
    return { model: target.model, stream, maxTokensField: maxTokensField(target) };
  }

  return {
    name: settings.name ?? "openai",

    async chatCompletion(request, target, options): Promise<ChatCompletion> {
      const body = encodeChatRequest(request, chatOptions(target, false));
      return decodeChatCompletion(await postForJson("/chat/completions", body, target, options));
    },

    streamChatCompletion(request, target, options): AsyncGenerator<ChatCompletionChunk> {
      const encodeBody = () => encodeChatRequest(request, chatOptions(target, true));
      return stream("/chat/completions", encodeBody, target, options, decodeChatChunk);
    },

    async textCompletion(request, target, options): Promise<TextCompletion> {
      const body = encodeTextCompletionRequest(request, { model: target.model, stream: false });
      const json = await postForJson("/completions", body, target, options);
      // A 200 without choices is no answer, not an empty one (stream chunks may lack them; a whole answer may not).
      if (!Array.isArray((json as { choices?: unknown } | null)?.choices)) {
        throw invalidUpstreamResponse(undefined, "upstream answer has no choices");
      }
      return decodeTextCompletion(json);
    },

    streamTextCompletion(request, target, options): AsyncGenerator<TextCompletion> {
      const encodeBody = () => encodeTextCompletionRequest(request, { model: target.model, stream: true });
      return stream("/completions", encodeBody, target, options, decodeTextCompletion);
    },

    async embeddings(request: CreateEmbeddingsRequest, target, options): Promise<CreateEmbeddingsResponse> {
      const body = encodeEmbeddingsRequest(request, { model: target.model, encodingFormat: "float" });
      return decodeEmbeddingsResponse(await postForJson("/embeddings", body, target, options));
    },

    async relayJson(endpoint, body, target, options): Promise<Record<string, unknown>> {
      const json = await postForJson(endpoint, { ...body, model: target.model }, target, options);
      if (json === null || typeof json !== "object" || Array.isArray(json)) {
        throw invalidUpstreamResponse(undefined, "upstream answer is not a JSON object");
      }
      return json as Record<string, unknown>;
    },

    async speech(body, target, options): Promise<AudioAnswer> {
      const response = await post("/audio/speech", { ...body, model: target.model }, target, options);
      return {
        contentType: response.headers.get("content-type") ?? "application/octet-stream",
        bytes: response.bytes(),
      };
    },

    async transcribe(endpoint, upload, target, options): Promise<TranscriptionAnswer> {
      const form = multipartBody({ ...upload.fields, model: target.model }, upload.file);
      const response = await client.send({
        url: endpointUrl(target, endpoint),
        headers: {
          ...headers(target),
          "content-type": form.contentType,
          "content-length": String(form.contentLength),
          accept: "*/*",
        },
        body: form.body,
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        whole: true,
      });
      const text = await response.text();
      if (response.status < 200 || response.status >= 300) {
        throw decodeUpstreamError(response.status, text, response.headers);
      }
      return { contentType: response.headers.get("content-type") ?? "application/json", text };
    },
  };
}

/** `litellm_params.max_tokens_field`, when the deployment sets it. */
function maxTokensField(target: UpstreamTarget): EncodeChatRequestOptions["maxTokensField"] {
  const field = target.params.max_tokens_field;
  if (field === undefined || field === "max_tokens" || field === "max_completion_tokens") return field;
  throw new GatewayError({
    code: Code.FailedPrecondition,
    message: `deployment ${target.deploymentId}: litellm_params.max_tokens_field must be "max_tokens" or "max_completion_tokens"`,
    httpStatus: 500,
  });
}

/** Whether a chat chunk or text completion closes one of its choices. */
function hasFinishReason(chunk: unknown): boolean {
  const choices = (chunk as { choices?: readonly { finishReason?: number }[] }).choices;
  if (choices === undefined) return false;
  for (const choice of choices) if (choice.finishReason) return true;
  return false;
}
