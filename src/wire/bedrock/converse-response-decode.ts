import { create } from "@bufbuild/protobuf";
import {
  type ContentPart,
  ContentPartSchema,
  Role,
  type ToolCall,
  ToolCallSchema,
  type Usage,
} from "../../../gen/switchyard/v1/chat_pb.js";
import { type ChatCompletion, ChatCompletionSchema } from "../../../gen/switchyard/v1/completion_pb.js";
import { invalidUpstreamResponse } from "../../errors/gateway-error.js";
import { tokenCount, usageOf } from "../anthropic/anthropic-usage.js";
import { isJsonObject } from "../openai/json-object.js";
import { decodeConverseStopReason } from "./converse-stop-reason.js";

/**
 * A Converse response (`output.message`, `stopReason`, `usage`) as a
 * ChatCompletion with one choice. Bedrock sends no id or creation time:
 * the id is the request id AWS returns in `x-amzn-requestid`, the time is
 * the time of decoding. Text blocks become text, `toolUse` blocks tool
 * calls, `reasoningContent` the reasoning; other blocks are skipped.
 */
export function decodeConverseResponse(json: unknown, id: string, model: string): ChatCompletion {
  if (!isJsonObject(json) || !isJsonObject(json.output)) throw invalidUpstreamResponse();
  const message = isJsonObject(json.output.message) ? json.output.message : {};
  const content: ContentPart[] = [];
  const toolCalls: ToolCall[] = [];
  let reasoningContent = "";
  for (const block of Array.isArray(message.content) ? message.content : []) {
    if (!isJsonObject(block)) continue;
    if (typeof block.text === "string") {
      if (block.text !== "")
        content.push(create(ContentPartSchema, { part: { case: "text", value: block.text } }));
    } else if (isJsonObject(block.toolUse)) {
      const toolUse = block.toolUse;
      toolCalls.push(
        create(ToolCallSchema, {
          id: typeof toolUse.toolUseId === "string" ? toolUse.toolUseId : "",
          name: typeof toolUse.name === "string" ? toolUse.name : "",
          arguments: JSON.stringify(isJsonObject(toolUse.input) ? toolUse.input : {}),
        }),
      );
    } else if (isJsonObject(block.reasoningContent)) {
      const reasoning = block.reasoningContent.reasoningText;
      if (isJsonObject(reasoning) && typeof reasoning.text === "string") reasoningContent += reasoning.text;
    }
  }
  return create(ChatCompletionSchema, {
    id,
    created: BigInt(Math.floor(Date.now() / 1000)),
    model,
    choices: [
      {
        index: 0,
        message: { role: Role.ASSISTANT, content, toolCalls, reasoningContent },
        finishReason: decodeConverseStopReason(json.stopReason),
      },
    ],
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
