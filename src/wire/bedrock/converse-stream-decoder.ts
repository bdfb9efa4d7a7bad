import { create } from "@bufbuild/protobuf";
import { FinishReason, Role } from "../../../gen/switchyard/v1/chat_pb.js";
import {
  type ChatCompletionChunk,
  ChatCompletionChunkSchema,
} from "../../../gen/switchyard/v1/completion_pb.js";
import { type FirstChoiceDelta, firstChoiceChunk } from "../first-choice-chunk.js";
import { isJsonObject } from "../openai/json-object.js";
import { decodeConverseUsage } from "./converse-response-decode.js";
import { decodeConverseStopReason } from "./converse-stop-reason.js";

/**
 * Turns ConverseStream events (each an event-stream message whose
 * `:event-type` header names the event and whose payload is its JSON) into
 * switchyard.v1 chunks. One decoder per stream.
 *
 * | event                                  | chunk                                   |
 * |----------------------------------------|-----------------------------------------|
 * | messageStart                           | role assistant                          |
 * | contentBlockStart with `start.toolUse` | tool call delta with id and name        |
 * | contentBlockDelta `delta.text`         | content                                 |
 * | contentBlockDelta `delta.toolUse`      | tool call delta with the JSON fragment  |
 * | contentBlockDelta `delta.reasoningContent.text` | reasoning content              |
 * | messageStop                            | finish reason                           |
 * | metadata                               | no choices, the call's usage            |
 * | contentBlockStop, others               | nothing                                 |
 *
 * Tool calls are numbered among themselves, not among content blocks.
 */
export interface ConverseStreamDecoder {
  decode(eventType: string, payload: unknown): ChatCompletionChunk | undefined;
  /** True once messageStop arrived: the answer is complete (metadata may follow). */
  readonly stopped: boolean;
}

export function createConverseStreamDecoder(id: string, model: string): ConverseStreamDecoder {
  const created = BigInt(Math.floor(Date.now() / 1000));
  const toolIndexByBlock: (number | undefined)[] = [];
  let toolCount = 0;
  let stopped = false;

  const delta = (init: FirstChoiceDelta) => firstChoiceChunk({ id, created, model }, init);

  return {
    get stopped() {
      return stopped;
    },

    decode(eventType, payload) {
      if (!isJsonObject(payload)) return undefined;
      switch (eventType) {
        case "messageStart":
          return delta({ role: Role.ASSISTANT });
        case "contentBlockStart": {
          const toolUse = isJsonObject(payload.start) ? payload.start.toolUse : undefined;
          if (!isJsonObject(toolUse)) return undefined;
          const toolIndex = toolCount++;
          if (typeof payload.contentBlockIndex === "number")
            toolIndexByBlock[payload.contentBlockIndex] = toolIndex;
          return delta({
            toolCalls: [
              {
                index: toolIndex,
                id: typeof toolUse.toolUseId === "string" ? toolUse.toolUseId : "",
                name: typeof toolUse.name === "string" ? toolUse.name : "",
              },
            ],
          });
        }
        case "contentBlockDelta": {
          const blockDelta = isJsonObject(payload.delta) ? payload.delta : {};
          if (typeof blockDelta.text === "string") {
            return blockDelta.text === "" ? undefined : delta({ content: blockDelta.text });
          }
          if (isJsonObject(blockDelta.toolUse)) {
            const toolIndex =
              typeof payload.contentBlockIndex === "number"
                ? toolIndexByBlock[payload.contentBlockIndex]
                : undefined;
            const fragment = blockDelta.toolUse.input;
            if (toolIndex === undefined || typeof fragment !== "string" || fragment === "") return undefined;
            return delta({ toolCalls: [{ index: toolIndex, arguments: fragment }] });
          }
          if (isJsonObject(blockDelta.reasoningContent)) {
            const text = blockDelta.reasoningContent.text;
            return typeof text === "string" && text !== "" ? delta({ reasoningContent: text }) : undefined;
          }
          return undefined;
        }
        case "messageStop": {
          stopped = true;
          const finishReason = decodeConverseStopReason(payload.stopReason);
          return delta({
            finishReason: finishReason === FinishReason.UNSPECIFIED ? FinishReason.STOP : finishReason,
          });
        }
        case "metadata": {
          const usage = decodeConverseUsage(payload.usage);
          if (usage === undefined) return undefined;
          return create(ChatCompletionChunkSchema, { id, created, model, choices: [], usage });
        }
        default:
          return undefined;
      }
    },
  };
}
