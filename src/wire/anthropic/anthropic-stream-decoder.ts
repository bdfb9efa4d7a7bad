import { create, type JsonObject } from "@bufbuild/protobuf";
import { FinishReason, Role } from "../../../gen/switchyard/v1/chat_pb.js";
import {
  type ChatCompletionChunk,
  ChatCompletionChunkSchema,
  type ChoiceDelta,
} from "../../../gen/switchyard/v1/completion_pb.js";
import { type FirstChoiceDelta, firstChoiceChunk } from "../first-choice-chunk.js";
import { isJsonObject } from "../openai/json-object.js";
import { decodeAnthropicStreamError } from "./anthropic-error.js";
import { decodeStopReason } from "./anthropic-stop-reason.js";
import { tokenCount, usageOf } from "./anthropic-usage.js";

/**
 * Turns one Anthropic Messages stream into switchyard.v1 chunks, OpenAI's
 * shape (provider side). One decoder per stream: it remembers the message
 * id, the usage counters and which content block is which tool call.
 *
 * | event                               | chunk                                   |
 * |-------------------------------------|-----------------------------------------|
 * | message_start                       | role assistant                          |
 * | content_block_start tool_use        | tool call delta with id and name        |
 * | content_block_delta text_delta      | content                                 |
 * | content_block_delta input_json_delta| tool call delta with the JSON fragment  |
 * | content_block_delta thinking_delta  | reasoning content                       |
 * | message_delta                       | finish reason                           |
 * | message_stop                        | no choices, the whole call's usage      |
 * | error                               | thrown as GatewayError                  |
 * | ping, content_block_stop, others    | nothing                                 |
 *
 * Tool calls are numbered among themselves (OpenAI's `index`), not among
 * all content blocks (Anthropic's `index`), so text before a tool call
 * does not shift it.
 */
export interface AnthropicStreamDecoder {
  /**
   * Decodes one event's parsed `data:` JSON. The event's type is read from
   * the data's `type` (the SSE `event:` name repeats it). Returns undefined
   * for events that carry nothing for the caller.
   */
  decode(data: unknown): ChatCompletionChunk | undefined;
  /** True once `message_stop` arrived: the stream is complete. */
  readonly done: boolean;
}

export function createAnthropicStreamDecoder(): AnthropicStreamDecoder {
  let id = "";
  let model = "";
  const created = BigInt(Math.floor(Date.now() / 1000));
  let inputTokens = 0;
  let outputTokens = 0;
  let cacheReadTokens = 0;
  let cacheCreationTokens = 0;
  /** Tool call index by content block index; undefined for other blocks. */
  const toolIndexByBlock: (number | undefined)[] = [];
  let toolCount = 0;
  let done = false;

  const chunk = (choices: ChoiceDelta[]): ChatCompletionChunk =>
    create(ChatCompletionChunkSchema, { id, created, model, choices });
  const delta = (init: FirstChoiceDelta) => firstChoiceChunk({ id, created, model }, init);

  const readUsage = (usage: JsonObject) => {
    // message_delta's counters are cumulative totals: they replace, never add.
    if (typeof usage.input_tokens === "number") inputTokens = tokenCount(usage.input_tokens);
    if (typeof usage.output_tokens === "number") outputTokens = tokenCount(usage.output_tokens);
    if (typeof usage.cache_read_input_tokens === "number") {
      cacheReadTokens = tokenCount(usage.cache_read_input_tokens);
    }
    if (typeof usage.cache_creation_input_tokens === "number") {
      cacheCreationTokens = tokenCount(usage.cache_creation_input_tokens);
    }
  };

  return {
    get done() {
      return done;
    },

    decode(data) {
      if (!isJsonObject(data)) return undefined;
      switch (data.type) {
        case "message_start": {
          const message = isJsonObject(data.message) ? data.message : {};
          if (typeof message.id === "string") id = message.id;
          if (typeof message.model === "string") model = message.model;
          if (isJsonObject(message.usage)) readUsage(message.usage);
          return delta({ role: Role.ASSISTANT });
        }
        case "content_block_start": {
          const block = isJsonObject(data.content_block) ? data.content_block : {};
          const blockIndex = typeof data.index === "number" ? data.index : toolIndexByBlock.length;
          if (block.type === "tool_use") {
            const toolIndex = toolCount++;
            toolIndexByBlock[blockIndex] = toolIndex;
            // Input normally streams as input_json_delta; a non-empty start input is whole already.
            const input = isJsonObject(block.input) ? block.input : {};
            let initial = "";
            for (const _key in input) {
              initial = JSON.stringify(input);
              break;
            }
            return delta({
              toolCalls: [
                {
                  index: toolIndex,
                  id: typeof block.id === "string" ? block.id : "",
                  name: typeof block.name === "string" ? block.name : "",
                  arguments: initial,
                },
              ],
            });
          }
          if (block.type === "text" && typeof block.text === "string" && block.text !== "") {
            return delta({ content: block.text });
          }
          return undefined;
        }
        case "content_block_delta": {
          const blockDelta = isJsonObject(data.delta) ? data.delta : {};
          switch (blockDelta.type) {
            case "text_delta":
              return typeof blockDelta.text === "string" && blockDelta.text !== ""
                ? delta({ content: blockDelta.text })
                : undefined;
            case "input_json_delta": {
              const toolIndex = typeof data.index === "number" ? toolIndexByBlock[data.index] : undefined;
              const fragment = blockDelta.partial_json;
              if (toolIndex === undefined || typeof fragment !== "string" || fragment === "")
                return undefined;
              return delta({ toolCalls: [{ index: toolIndex, arguments: fragment }] });
            }
            case "thinking_delta":
              return typeof blockDelta.thinking === "string" && blockDelta.thinking !== ""
                ? delta({ reasoningContent: blockDelta.thinking })
                : undefined;
            default:
              return undefined;
          }
        }
        case "message_delta": {
          if (isJsonObject(data.usage)) readUsage(data.usage);
          const finishReason = isJsonObject(data.delta)
            ? decodeStopReason(data.delta.stop_reason)
            : FinishReason.UNSPECIFIED;
          return finishReason === FinishReason.UNSPECIFIED ? undefined : delta({ finishReason });
        }
        case "message_stop": {
          done = true;
          const usageChunk = chunk([]);
          usageChunk.usage = usageOf(inputTokens, outputTokens, cacheReadTokens, cacheCreationTokens);
          return usageChunk;
        }
        case "error":
          throw decodeAnthropicStreamError(data);
        default:
          return undefined;
      }
    },
  };
}
