import type { HandlerContext } from "@connectrpc/connect";
import {
  type ChatCompletion,
  type ChatCompletionChunk,
  ChatCompletionChunkSchema,
  type ChatCompletionRequest,
  ChatCompletionRequestSchema,
  ChatCompletionSchema,
  type CreateEmbeddingsRequest,
  type CreateEmbeddingsResponse,
  type TextCompletion,
  type TextCompletionRequest,
  TextCompletionRequestSchema,
  TextCompletionSchema,
} from "../../gen/switchyard/v1/completion_pb.js";
import type { ResponseCache } from "./response-cache.js";

/*
 * The Completion service's one hook per method: through the response cache
 * when one is configured, else the call itself (no extra layer).
 */

const chat = { request: ChatCompletionRequestSchema, response: ChatCompletionSchema } as const;
const chatStream = { request: ChatCompletionRequestSchema, chunk: ChatCompletionChunkSchema } as const;
const text = { request: TextCompletionRequestSchema, response: TextCompletionSchema } as const;
const textStream = { request: TextCompletionRequestSchema, chunk: TextCompletionSchema } as const;

export function cachedChat(
  cache: ResponseCache | undefined,
  request: ChatCompletionRequest,
  context: HandlerContext,
  call: () => Promise<ChatCompletion>,
): Promise<ChatCompletion> {
  return cache ? cache.unary("chat", chat, request, context, call) : call();
}

export function cachedChatStream(
  cache: ResponseCache | undefined,
  request: ChatCompletionRequest,
  context: HandlerContext,
  open: () => AsyncGenerator<ChatCompletionChunk>,
): AsyncGenerator<ChatCompletionChunk> {
  return cache ? cache.stream("chat", chatStream, request, context, open) : open();
}

export function cachedText(
  cache: ResponseCache | undefined,
  request: TextCompletionRequest,
  context: HandlerContext,
  call: () => Promise<TextCompletion>,
): Promise<TextCompletion> {
  return cache ? cache.unary("text", text, request, context, call) : call();
}

export function cachedTextStream(
  cache: ResponseCache | undefined,
  request: TextCompletionRequest,
  context: HandlerContext,
  open: () => AsyncGenerator<TextCompletion>,
): AsyncGenerator<TextCompletion> {
  return cache ? cache.stream("text", textStream, request, context, open) : open();
}

export function cachedEmbeddings(
  cache: ResponseCache | undefined,
  request: CreateEmbeddingsRequest,
  context: HandlerContext,
  call: (request: CreateEmbeddingsRequest) => Promise<CreateEmbeddingsResponse>,
): Promise<CreateEmbeddingsResponse> {
  return cache ? cache.embeddings(request, context, call) : call(request);
}
