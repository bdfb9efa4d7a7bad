import { randomUUID } from "node:crypto";
import type { Usage } from "../../../gen/switchyard/v1/chat_pb.js";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  TextCompletion,
  TextCompletionRequest,
} from "../../../gen/switchyard/v1/completion_pb.js";
import { GatewayError, invalidUpstreamResponse } from "../../errors/gateway-error.js";
import { parseSseJson } from "../../http/sse.js";
import type { UpstreamClient, UpstreamResponse } from "../../http/upstream-client.js";
import { renderChatPrompt } from "../../wire/huggingface/chat-prompt.js";
import type { GeneratedIdentity } from "../../wire/huggingface/generated-identity.js";
import { decodeHuggingFaceError } from "../../wire/huggingface/huggingface-error.js";
import {
  encodeTextGenerationRequest,
  type TextGenerationSampling,
} from "../../wire/huggingface/text-generation-request.js";
import { decodeTextGeneration, type GeneratedText } from "../../wire/huggingface/text-generation-response.js";
import {
  type StreamPiece,
  TextGenerationStreamDecoder,
} from "../../wire/huggingface/text-generation-stream.js";
import {
  generatedToChatCompletion,
  pieceIsVisible,
  pieceToChatChunk,
  usageChatChunk,
} from "../../wire/huggingface/text-generation-to-chat.js";
import {
  addUsage,
  generatedToTextCompletion,
  pieceToTextCompletion,
  usageTextCompletion,
} from "../../wire/huggingface/text-generation-to-text-completion.js";
import { createOpenAIProvider } from "../openai/openai-provider.js";
import type { CallOptions, Provider, UpstreamTarget } from "../provider.js";
import { sendChecked } from "../send-checked.js";
import { perPrompt, streamTextViaChat, textCompletionViaChat } from "../text-via-chat.js";
import {
  type HuggingFaceTextGenerationDeployment,
  resolveHuggingFaceDeployment,
} from "./huggingface-deployment.js";

/**
 * Hugging Face (`huggingface/<org>/<model>`, `huggingface/<provider>/<org>/<model>`).
 * Each deployment speaks one API, chosen once (see huggingface-task.ts):
 *
 * - chat: the HF router, TGI's Messages API or a dedicated endpoint's `/v1`,
 *   all OpenAI-compatible, so the OpenAI provider serves them with the
 *   deployment's router model id and key. Legacy text completions send each
 *   prompt as one user message.
 * - text-generation: `{inputs, parameters}` to the classic Inference API or
 *   TGI's `/generate` / `/generate_stream`. Text completions send the prompt
 *   as it is; chat messages are rendered into a prompt first (chat-prompt.ts).
 *
 * `env` supplies HUGGINGFACE_API_KEY / HF_TOKEN for deployments without
 * `api_key`; it is read once per deployment.
 */
export function createHuggingFaceProvider(
  client: UpstreamClient,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Provider {
  const openai = createOpenAIProvider(client, { name: "huggingface" });

  async function post(
    url: string,
    headers: Record<string, string>,
    body: unknown,
    options: CallOptions,
  ): Promise<UpstreamResponse> {
    return sendChecked(client, { url, headers, body: JSON.stringify(body) }, options, decodeHuggingFaceError);
  }

  async function generate(
    deployment: HuggingFaceTextGenerationDeployment,
    inputs: string,
    sampling: TextGenerationSampling,
    extraStop: readonly string[] | undefined,
    options: CallOptions,
  ): Promise<GeneratedText> {
    const body = encodeTextGenerationRequest(inputs, sampling, { streamInBody: false, extraStop });
    const response = await post(deployment.generateUrl, deployment.headers, body, options);
    return decodeTextGeneration(await response.json(), body.parameters.stop ?? []);
  }

  /** Stream pieces of one prompt; the upstream request starts on the first `next()`. */
  async function* generateStream(
    deployment: HuggingFaceTextGenerationDeployment,
    inputs: string,
    sampling: TextGenerationSampling,
    extraStop: readonly string[] | undefined,
    options: CallOptions,
  ): AsyncGenerator<StreamPiece> {
    const body = encodeTextGenerationRequest(inputs, sampling, {
      streamInBody: deployment.streamInBody,
      extraStop,
    });
    const response = await post(deployment.streamUrl, deployment.streamHeaders, body, options);
    const decoder = new TextGenerationStreamDecoder(body.parameters.stop ?? []);
    let finished = false;
    // Read to the end of the body even after the closing event, so the
    // connection goes back to the pool instead of being torn down.
    for await (const event of response.events()) {
      if (finished) continue;
      const json = parseSseJson(event.data);
      const piece = decoder.decode(json);
      finished = piece.usage !== undefined;
      yield piece;
    }
    // The stream ended without its closing event (the one with `details`).
    if (!finished) throw invalidUpstreamResponse();
  }

  const resolve = (target: UpstreamTarget) => resolveHuggingFaceDeployment(target, env);

  // Chat deployments hand the OpenAI provider's iterables back as they are:
  // no extra generator layer per streamed chunk.
  return {
    name: "huggingface",
    // Chat deployments answer text through chat, text-generation ones take one input: a call per prompt either way.
    textCompletionPerPrompt: true,

    async chatCompletion(request, target, options): Promise<ChatCompletion> {
      const deployment = resolve(target);
      if (deployment.api === "chat") return openai.chatCompletion(request, deployment.chatTarget, options);
      return generateChat(deployment, request, target, options);
    },

    streamChatCompletion(request, target, options): AsyncIterable<ChatCompletionChunk> {
      const deployment = resolve(target);
      if (deployment.api === "chat") {
        return openai.streamChatCompletion(request, deployment.chatTarget, options);
      }
      return generateChatStream(deployment, request, target, options);
    },

    async textCompletion(request, target, options): Promise<TextCompletion> {
      const deployment = resolve(target);
      if (deployment.api === "chat") {
        return textCompletionViaChat(openai, request, deployment.chatTarget, options);
      }
      return generateText(deployment, request, target, options);
    },

    streamTextCompletion(request, target, options): AsyncIterable<TextCompletion> {
      const deployment = resolve(target);
      if (deployment.api === "chat") {
        return streamTextViaChat(openai, request, deployment.chatTarget, options);
      }
      return generateTextStream(deployment, request, target, options);
    },
  };

  async function generateChat(
    deployment: HuggingFaceTextGenerationDeployment,
    request: ChatCompletionRequest,
    target: UpstreamTarget,
    options: CallOptions,
  ): Promise<ChatCompletion> {
    checkChatRequest(request);
    const { prompt, stop } = renderChatPrompt(request.messages, deployment.chatTemplate);
    const generated = await generate(deployment, prompt, request, stop, options);
    return generatedToChatCompletion(generated, identity("chatcmpl", target));
  }

  async function* generateChatStream(
    deployment: HuggingFaceTextGenerationDeployment,
    request: ChatCompletionRequest,
    target: UpstreamTarget,
    options: CallOptions,
  ): AsyncGenerator<ChatCompletionChunk> {
    checkChatRequest(request);
    const { prompt, stop } = renderChatPrompt(request.messages, deployment.chatTemplate);
    const answer = identity("chatcmpl", target);
    let first = true;
    for await (const piece of generateStream(deployment, prompt, request, stop, options)) {
      if (pieceIsVisible(piece, first)) {
        yield pieceToChatChunk(piece, answer, first);
        first = false;
      }
      if (piece.usage !== undefined) yield usageChatChunk(piece.usage, answer);
    }
  }

  async function generateText(
    deployment: HuggingFaceTextGenerationDeployment,
    request: TextCompletionRequest,
    target: UpstreamTarget,
    options: CallOptions,
  ): Promise<TextCompletion> {
    checkTextRequest(request);
    // One upstream call per prompt: the native API takes a single input.
    const results = await perPrompt(request.prompt, options.signal, (prompt) =>
      generate(deployment, prompt, request, undefined, options),
    );
    return generatedToTextCompletion(results, request.prompt, request.echo, identity("cmpl", target));
  }

  async function* generateTextStream(
    deployment: HuggingFaceTextGenerationDeployment,
    request: TextCompletionRequest,
    target: UpstreamTarget,
    options: CallOptions,
  ): AsyncGenerator<TextCompletion> {
    checkTextRequest(request);
    const answer = identity("cmpl", target);
    let usage: Usage | undefined;
    // Prompts stream one after the other, each under its own choice index.
    for (let index = 0; index < request.prompt.length; index++) {
      const prompt = request.prompt[index]!;
      // With echo, the prompt goes in front of the first fragment.
      let prefix = request.echo ? prompt : "";
      for await (const piece of generateStream(deployment, prompt, request, undefined, options)) {
        if (piece.text !== "" || prefix !== "" || piece.usage !== undefined) {
          yield pieceToTextCompletion(piece, index, answer, prefix);
          prefix = "";
        }
        if (piece.usage !== undefined) usage = addUsage(usage, piece.usage);
      }
    }
    if (usage !== undefined) yield usageTextCompletion(usage, answer);
  }
}

function identity(prefix: string, target: UpstreamTarget): GeneratedIdentity {
  return {
    id: `${prefix}-${randomUUID().replaceAll("-", "")}`,
    created: BigInt(Math.floor(Date.now() / 1000)),
    model: target.model,
  };
}

/** What a text-generation model cannot do, refused before any upstream call. */
function checkChatRequest(request: ChatCompletionRequest): void {
  if (request.tools.length > 0) {
    throw GatewayError.invalidArgument(
      "'tools': this model is served by a text-generation API, which has no tool calling",
      "tools",
    );
  }
  const format = request.responseFormat?.format.case;
  if (format !== undefined && format !== "text") {
    throw GatewayError.invalidArgument(
      "'response_format': this model is served by a text-generation API, which has no JSON mode",
      "response_format",
    );
  }
  checkSingleChoice(request.n);
}

function checkTextRequest(request: TextCompletionRequest): void {
  if (request.suffix !== "") {
    throw GatewayError.invalidArgument("'suffix' is not supported by the text-generation API", "suffix");
  }
  checkSingleChoice(request.n);
}

function checkSingleChoice(n: number | undefined): void {
  if (n !== undefined && n > 1) {
    throw GatewayError.invalidArgument("'n': the text-generation API generates one choice per prompt", "n");
  }
}
