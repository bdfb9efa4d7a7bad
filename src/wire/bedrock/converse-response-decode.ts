import { create } from "@bufbuild/protobuf";
import { ToolCallSchema, type Usage } from "../../../gen/switchyard/v1/chat_pb.js";
import type { ChatCompletion } from "../../../gen/switchyard/v1/completion_pb.js";
import { invalidUpstreamResponse } from "../../errors/gateway-error.js";
import { tokenCount, usageOf } from "../anthropic/anthropic-usage.js";
import { type FirstChoiceMessage, firstChoiceCompletion } from "../first-choice-completion.js";
import { isJsonObject } from "../openai/json-object.js";
import { textPart } from "../text-part.js";
import { decodeConverseStopReason } from "./converse-stop-reason.js";

/**
 * A Converse response (`output.message`, `stopReason`, `usage`) as a
 * ChatCompletion with one choice. Bedrock sends no id: the id is the
 * request id AWS returns in `x-amzn-requestid`. Text blocks become text, `toolUse` blocks tool
 * calls, `reasoningContent` the reasoning; other blocks are skipped.
 */
export function decodeConverseResponse(json: unknown, id: string, model: string): ChatCompletion {
  if (!isJsonObject(json) || !isJsonObject(json.output)) throw invalidUpstreamResponse();
  const output = isJsonObject(json.output.message) ? json.output.message : {};
  const message: FirstChoiceMessage = { content: [], toolCalls: [], reasoningContent: "" };
  for (const block of Array.isArray(output.content) ? output.content : []) {
    if (!isJsonObject(block)) continue;
    if (typeof block.text === "string") {
      if (block.text !== "") message.content.push(textPart(block.text));
    } else if (isJsonObject(block.toolUse)) {
      const toolUse = block.toolUse;
      message.toolCalls.push(
        create(ToolCallSchema, {
          id: typeof toolUse.toolUseId === "string" ? toolUse.toolUseId : "",
          name: typeof toolUse.name === "string" ? toolUse.name : "",
          arguments: JSON.stringify(isJsonObject(toolUse.input) ? toolUse.input : {}),
        }),
      );
    } else if (isJsonObject(block.reasoningContent)) {
      const reasoning = block.reasoningContent.reasoningText;
      if (isJsonObject(reasoning) && typeof reasoning.text === "string") {
        message.reasoningContent += reasoning.text;
      }
    }
  }
  return firstChoiceCompletion({
    id,
    model,
    message,
    finishReason: decodeConverseStopReason(json.stopReason),
    usage: decodeConverseUsage(json.usage),
  });
}

/**
 * Converse's `usage`. Like Anthropic's, `inputTokens` leaves out cache reads
 * and writes (LiteLLM adds them back into prompt_tokens), so the same sum
 * applies.
 */
export function decodeConverseUsage(value: unknown): Usage | undefined {
  if (!isJsonObject(value)) return undefined;
  return usageOf(
    tokenCount(value.inputTokens),
    tokenCount(value.outputTokens),
    tokenCount(value.cacheReadInputTokens),
    tokenCount(value.cacheWriteInputTokens),
  );
}
