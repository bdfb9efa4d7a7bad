import { create } from "@bufbuild/protobuf";
import { FinishReason, Role } from "../../../gen/switchyard/v1/chat_pb.js";
import {
  type ChatCompletion,
  type ChatCompletionChunk,
  ChatCompletionChunkSchema,
  type ChatCompletionRequest,
  ChatCompletionSchema,
  type TextCompletionRequest,
  TextCompletionRequestSchema,
} from "../../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../../errors/gateway-error.js";
import { renderChatPrompt } from "../../wire/huggingface/chat-prompt.js";
import type { Provider } from "../provider.js";

/**
 * LiteLLM's `text-completion-openai/<model>`: instruct models on OpenAI's
 * legacy `/v1/completions` (gpt-3.5-turbo-instruct, davinci-002, …). Text
 * completions go there as they are; chat requests are rendered into one
 * prompt (the `User: …` / `Assistant:` transcript, with "\nUser:" as a stop
 * sequence so the model does not write the next turn) and the generated
 * text comes back as the assistant's message. Tools and non-text content
 * cannot be rendered into a prompt and are a 400.
 */
export function createChatViaTextCompletionProvider(openAI: Provider, name: string): Provider {
  const textCompletion = openAI.textCompletion!;
  const streamTextCompletion = openAI.streamTextCompletion!;
  return {
    name,
    textCompletion,
    streamTextCompletion,
    embeddings: openAI.embeddings,

    async chatCompletion(request, target, options): Promise<ChatCompletion> {
      const completion = await textCompletion(asTextRequest(request), target, options);
      return create(ChatCompletionSchema, {
        id: completion.id,
        created: completion.created,
        model: completion.model,
        choices: completion.choices.map((choice) => ({
          index: choice.index,
          message: {
            role: Role.ASSISTANT,
            content: [{ part: { case: "text" as const, value: choice.text.trimStart() } }],
          },
          finishReason: choice.finishReason,
        })),
        usage: completion.usage,
      });
    },

    async *streamChatCompletion(request, target, options): AsyncGenerator<ChatCompletionChunk> {
      const started = new Set<number>();
      for await (const message of streamTextCompletion(asTextRequest(request), target, options)) {
        yield create(ChatCompletionChunkSchema, {
          id: message.id,
          created: message.created,
          model: message.model,
          choices: message.choices.map((choice) => {
            const first = !started.has(choice.index);
            started.add(choice.index);
            return {
              index: choice.index,
              role: first ? Role.ASSISTANT : Role.UNSPECIFIED,
              // The prompt ends with "Assistant:"; the model's first word comes with a space.
              content: first ? choice.text.trimStart() : choice.text,
              finishReason: choice.finishReason ?? FinishReason.UNSPECIFIED,
            };
          }),
          usage: message.usage,
        });
      }
    },
  };
}

function asTextRequest(request: ChatCompletionRequest): TextCompletionRequest {
  if (request.tools.length > 0) {
    throw GatewayError.invalidArgument("text-completion models cannot call tools", "tools");
  }
  const { prompt, stop } = renderChatPrompt(request.messages, "transcript");
  return create(TextCompletionRequestSchema, {
    model: request.model,
    prompt: [prompt],
    maxTokens: request.maxTokens,
    temperature: request.temperature,
    topP: request.topP,
    stop: [...request.stop, ...stop].slice(0, 4),
    seed: request.seed,
    n: request.n,
    presencePenalty: request.presencePenalty,
    frequencyPenalty: request.frequencyPenalty,
    user: request.user,
    streamOptions: request.streamOptions,
    extraBody: request.extraBody,
  });
}
