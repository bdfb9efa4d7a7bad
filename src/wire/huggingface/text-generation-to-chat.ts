import { create } from "@bufbuild/protobuf";
import { ChatMessageSchema, FinishReason, Role, type Usage } from "../../../gen/switchyard/v1/chat_pb.js";
import {
  type ChatCompletion,
  type ChatCompletionChunk,
  ChatCompletionChunkSchema,
  ChatCompletionSchema,
} from "../../../gen/switchyard/v1/completion_pb.js";
import type { GeneratedIdentity } from "./generated-identity.js";
import type { GeneratedText } from "./text-generation-response.js";
import type { StreamPiece } from "./text-generation-stream.js";

/** Generated text as the assistant's message of a one-choice chat completion. */
export function generatedToChatCompletion(
  generated: GeneratedText,
  identity: GeneratedIdentity,
): ChatCompletion {
  return create(ChatCompletionSchema, {
    id: identity.id,
    created: identity.created,
    model: identity.model,
    choices: [
      {
        index: 0,
        message: create(ChatMessageSchema, {
          role: Role.ASSISTANT,
          content: [{ part: { case: "text", value: generated.text } }],
        }),
        finishReason: generated.finishReason,
      },
    ],
    usage: generated.usage,
  });
}

/**
 * One stream piece as a content delta of choice 0. The first chunk of a
 * stream carries the assistant role; the last one the finish reason.
 */
export function pieceToChatChunk(
  piece: StreamPiece,
  identity: GeneratedIdentity,
  first: boolean,
): ChatCompletionChunk {
  return create(ChatCompletionChunkSchema, {
    id: identity.id,
    created: identity.created,
    model: identity.model,
    choices: [
      {
        index: 0,
        role: first ? Role.ASSISTANT : Role.UNSPECIFIED,
        content: piece.text,
        finishReason: piece.finishReason,
      },
    ],
  });
}

/** The usage-only chunk that ends a stream (no choices), as OpenAI sends with include_usage. */
export function usageChatChunk(usage: Usage, identity: GeneratedIdentity): ChatCompletionChunk {
  return create(ChatCompletionChunkSchema, {
    id: identity.id,
    created: identity.created,
    model: identity.model,
    usage,
  });
}

/** Whether a piece has anything to tell the caller (the first chunk always does: it carries the role). */
export function pieceIsVisible(piece: StreamPiece, first: boolean): boolean {
  return first || piece.text !== "" || piece.finishReason !== FinishReason.UNSPECIFIED;
}
