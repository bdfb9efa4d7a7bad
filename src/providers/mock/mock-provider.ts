import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { FinishReason, Role, UsageSchema } from "../../../gen/switchyard/v1/chat_pb.js";
import {
  type ChatCompletion,
  type ChatCompletionChunk,
  ChatCompletionChunkSchema,
} from "../../../gen/switchyard/v1/completion_pb.js";
import { firstChoiceCompletion } from "../../wire/first-choice-completion.js";
import { textPart } from "../../wire/text-part.js";
import type { Provider, UpstreamTarget } from "../provider.js";

/**
 * Answers locally with the deployment's `mock_response`, as LiteLLM does:
 * no network, no key. The demo config and tests of the gateway's own
 * behaviour use it.
 */
export function createMockProvider(): Provider {
  return {
    name: "mock",

    async chatCompletion(request, target): Promise<ChatCompletion> {
      const text = mockText(target);
      const promptTokens = estimateTokens(request.messages.map((message) => contentText(message.content)));
      const completionTokens = estimateTokens([text]);
      return firstChoiceCompletion({
        id: `chatcmpl-${randomUUID()}`,
        model: target.model,
        message: { content: [textPart(text)], toolCalls: [], reasoningContent: "" },
        finishReason: FinishReason.STOP,
        usage: create(UsageSchema, {
          promptTokens,
          completionTokens,
          totalTokens: promptTokens + completionTokens,
        }),
      });
    },

    async *streamChatCompletion(request, target): AsyncGenerator<ChatCompletionChunk> {
      const id = `chatcmpl-${randomUUID()}`;
      const created = BigInt(Math.floor(Date.now() / 1000));
      const text = mockText(target);
      const chunk = (init: Omit<Parameters<typeof create<typeof ChatCompletionChunkSchema>>[1], "id">) =>
        create(ChatCompletionChunkSchema, { id, created, model: target.model, ...init });
      yield chunk({ choices: [{ index: 0, role: Role.ASSISTANT }] });
      for (const piece of text.match(/\S+\s*/g) ?? []) {
        yield chunk({ choices: [{ index: 0, content: piece }] });
      }
      yield chunk({ choices: [{ index: 0, finishReason: FinishReason.STOP }] });
      const promptTokens = estimateTokens(request.messages.map((message) => contentText(message.content)));
      const completionTokens = estimateTokens([text]);
      yield chunk({
        usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens },
      });
    },
  };
}

function mockText(target: UpstreamTarget): string {
  const text = target.params.mock_response;
  return typeof text === "string" ? text : "This is a mock response.";
}

function contentText(content: readonly { part: { case?: string; value?: unknown } }[]): string {
  let text = "";
  for (const { part } of content) if (part.case === "text") text += part.value;
  return text;
}

/** About four characters a token: good enough for a mock's usage numbers. */
function estimateTokens(texts: readonly string[]): number {
  let characters = 0;
  for (const text of texts) characters += text.length;
  return Math.max(1, Math.ceil(characters / 4));
}
