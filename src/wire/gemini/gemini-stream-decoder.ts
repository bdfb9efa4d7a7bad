import { create } from "@bufbuild/protobuf";
import { FinishReason, Role, type Usage } from "../../../gen/switchyard/v1/chat_pb.js";
import {
  type ChatCompletionChunk,
  ChatCompletionChunkSchema,
  type ChoiceDelta,
  ChoiceDeltaSchema,
} from "../../../gen/switchyard/v1/completion_pb.js";
import { isJsonObject } from "../openai/json-object.js";
import { decodeGeminiUpstreamError } from "./gemini-error.js";
import { decodeGeminiFinishReason } from "./gemini-finish-reason.js";
import { readParts } from "./gemini-response-decode.js";
import { decodeGeminiUsage } from "./gemini-usage.js";

/**
 * Turns one `streamGenerateContent?alt=sse` stream into switchyard.v1
 * chunks. Each SSE event is a whole GenerateContentResponse holding the
 * next parts: text parts become content deltas, thought parts reasoning
 * deltas, and each `functionCall` part (Gemini sends a call whole, never in
 * fragments) one tool call delta with id, name and all its arguments,
 * numbered among the choice's calls. A chunk's `finishReason` becomes the
 * choice's finish reason (TOOL_CALLS when the choice called tools).
 * `usageMetadata` is cumulative, so only the last one counts: it goes out
 * in a last chunk with no choices once the body ends (`finish()`).
 */
export interface GeminiStreamDecoder {
  decode(data: unknown): ChatCompletionChunk | undefined;
  /** The usage chunk; undefined when no finish reason arrived (a stream cut short). */
  finish(): ChatCompletionChunk | undefined;
}

const noHeaders = { get: () => null };

export function createGeminiStreamDecoder(newToolCallId: () => string): GeminiStreamDecoder {
  let id = "";
  let model = "";
  const created = BigInt(Math.floor(Date.now() / 1000));
  let usage: Usage | undefined;
  let finished = false;
  /** Per candidate index: whether the role went out, and how many tool calls. */
  const started: boolean[] = [];
  const toolCounts: number[] = [];

  return {
    decode(data) {
      if (!isJsonObject(data)) return undefined;
      // A failure after the stream began arrives as an error body in an event.
      if (isJsonObject(data.error)) {
        const status = typeof data.error.code === "number" ? data.error.code : 500;
        throw decodeGeminiUpstreamError(status, JSON.stringify(data), noHeaders);
      }
      if (typeof data.responseId === "string") id = data.responseId;
      if (typeof data.modelVersion === "string") model = data.modelVersion;
      if (data.usageMetadata !== undefined) usage = decodeGeminiUsage(data.usageMetadata) ?? usage;
      const choices: ChoiceDelta[] = [];
      const candidates = Array.isArray(data.candidates) ? data.candidates.filter(isJsonObject) : [];
      candidates.forEach((candidate, position) => {
        const index = typeof candidate.index === "number" ? candidate.index : position;
        const parts = readParts(candidate.content, newToolCallId);
        const firstTool = toolCounts[index] ?? 0;
        toolCounts[index] = firstTool + parts.toolCalls.length;
        const choice = create(ChoiceDeltaSchema, {
          index,
          content: parts.text,
          reasoningContent: parts.reasoning,
          toolCalls: parts.toolCalls.map((call, offset) => ({
            index: firstTool + offset,
            id: call.id,
            name: call.name,
            arguments: call.arguments,
          })),
        });
        if (!started[index]) {
          started[index] = true;
          choice.role = Role.ASSISTANT;
        }
        if (candidate.finishReason !== undefined) {
          choice.finishReason = decodeGeminiFinishReason(candidate.finishReason, toolCounts[index] > 0);
          finished = true;
        }
        choices.push(choice);
      });
      if (candidates.length === 0 && isJsonObject(data.promptFeedback) && data.promptFeedback.blockReason) {
        finished = true;
        choices.push(
          create(ChoiceDeltaSchema, {
            index: 0,
            role: Role.ASSISTANT,
            finishReason: FinishReason.CONTENT_FILTER,
          }),
        );
      }
      if (choices.length === 0) return undefined;
      return create(ChatCompletionChunkSchema, { id, created, model, choices });
    },

    finish() {
      if (!finished) return undefined;
      return create(ChatCompletionChunkSchema, { id, created, model, choices: [], usage });
    },
  };
}
