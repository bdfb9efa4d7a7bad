import { create } from "@bufbuild/protobuf";
import { FinishReason, Role, type Usage } from "../../../gen/switchyard/v1/chat_pb.js";
import {
  type ChatCompletionChunk,
  ChatCompletionChunkSchema,
} from "../../../gen/switchyard/v1/completion_pb.js";
import { type FirstChoiceDelta, firstChoiceChunk } from "../first-choice-chunk.js";
import { isJsonObject } from "../openai/json-object.js";
import { decodeStreamError } from "../openai/openai-error.js";
import { decodeCohereFinishReason, decodeCohereUsage } from "./cohere-chat-response.js";

/**
 * Turns a Cohere v2 chat stream (SSE; each event's data has its `type`)
 * into switchyard.v1 chunks. One decoder per stream.
 *
 * | event            | chunk                                           |
 * |------------------|-------------------------------------------------|
 * | message-start    | role assistant (and the message id)             |
 * | content-delta    | content (`delta.message.content.text`)          |
 * | tool-plan-delta  | reasoning content (`delta.message.tool_plan`)   |
 * | tool-call-start  | tool call delta with id, name and any arguments |
 * | tool-call-delta  | tool call delta with the arguments fragment     |
 * | message-end      | finish reason; then `usageChunk()`              |
 * | others           | nothing                                         |
 *
 * Cohere's `index` on tool-call events counts tool calls, as OpenAI's does.
 */
export interface CohereStreamDecoder {
  decode(data: unknown): ChatCompletionChunk | undefined;
  /** True once message-end arrived. */
  readonly done: boolean;
  /** The call's usage as a chunk with no choices; undefined when message-end carried none. */
  usageChunk(): ChatCompletionChunk | undefined;
}

export function createCohereStreamDecoder(model: string): CohereStreamDecoder {
  let id = "";
  const created = BigInt(Math.floor(Date.now() / 1000));
  let done = false;
  let usage: Usage | undefined;

  // The id as it is when the chunk is made: Cohere names it only in message-start.
  const delta = (init: FirstChoiceDelta) => firstChoiceChunk({ id, created, model }, init);

  return {
    get done() {
      return done;
    },
    usageChunk() {
      return usage === undefined
        ? undefined
        : create(ChatCompletionChunkSchema, { id, created, model, choices: [], usage });
    },
    decode(data) {
      if (!isJsonObject(data)) return undefined;
      const inner = isJsonObject(data.delta) ? data.delta : {};
      const message = isJsonObject(inner.message) ? inner.message : {};
      const index = typeof data.index === "number" ? data.index : 0;
      switch (data.type) {
        case "message-start":
          if (typeof data.id === "string") id = data.id;
          return delta({ role: Role.ASSISTANT });
        case "content-delta": {
          const text = isJsonObject(message.content) ? message.content.text : undefined;
          return typeof text === "string" && text !== "" ? delta({ content: text }) : undefined;
        }
        case "tool-plan-delta":
          return typeof message.tool_plan === "string" && message.tool_plan !== ""
            ? delta({ reasoningContent: message.tool_plan })
            : undefined;
        case "tool-call-start": {
          const call = isJsonObject(message.tool_calls) ? message.tool_calls : {};
          const fn = isJsonObject(call.function) ? call.function : {};
          return delta({
            toolCalls: [
              {
                index,
                id: typeof call.id === "string" ? call.id : "",
                name: typeof fn.name === "string" ? fn.name : "",
                arguments: typeof fn.arguments === "string" ? fn.arguments : "",
              },
            ],
          });
        }
        case "tool-call-delta": {
          const call = isJsonObject(message.tool_calls) ? message.tool_calls : {};
          const fragment = isJsonObject(call.function) ? call.function.arguments : undefined;
          return typeof fragment === "string" && fragment !== ""
            ? delta({ toolCalls: [{ index, arguments: fragment }] })
            : undefined;
        }
        case "message-end": {
          done = true;
          usage = decodeCohereUsage(inner.usage);
          const reason = decodeCohereFinishReason(inner.finish_reason);
          if (inner.finish_reason === "ERROR" || inner.finish_reason === "TIMEOUT") {
            throw decodeStreamError({ message: `Cohere ended the stream with ${inner.finish_reason}` });
          }
          return delta({ finishReason: reason === FinishReason.UNSPECIFIED ? FinishReason.STOP : reason });
        }
        default:
          return undefined;
      }
    },
  };
}
