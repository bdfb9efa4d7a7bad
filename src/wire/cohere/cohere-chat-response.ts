import { create } from "@bufbuild/protobuf";
import { FinishReason, ToolCallSchema, type Usage, UsageSchema } from "../../../gen/switchyard/v1/chat_pb.js";
import type { ChatCompletion } from "../../../gen/switchyard/v1/completion_pb.js";
import { invalidUpstreamResponse } from "../../errors/gateway-error.js";
import { tokenCount } from "../anthropic/anthropic-usage.js";
import { finishReasonDecoder } from "../finish-reason-decoder.js";
import { type FirstChoiceMessage, firstChoiceCompletion } from "../first-choice-completion.js";
import { isJsonObject } from "../openai/json-object.js";
import { textPart } from "../text-part.js";

/** Cohere v2 finish reasons as the proto's (LiteLLM's mapping). */
export const decodeCohereFinishReason = finishReasonDecoder({
  [FinishReason.STOP]: ["COMPLETE", "STOP_SEQUENCE"],
  [FinishReason.LENGTH]: ["MAX_TOKENS"],
  [FinishReason.TOOL_CALLS]: ["TOOL_CALL"],
  [FinishReason.CONTENT_FILTER]: ["ERROR_TOXIC"],
});

/**
 * Cohere's `usage`: `tokens` (what the model read and wrote), else
 * `billed_units`. Either has `input_tokens` and `output_tokens`.
 */
export function decodeCohereUsage(value: unknown): Usage | undefined {
  if (!isJsonObject(value)) return undefined;
  const counts = isJsonObject(value.tokens)
    ? value.tokens
    : isJsonObject(value.billed_units)
      ? value.billed_units
      : {};
  const promptTokens = tokenCount(counts.input_tokens);
  const completionTokens = tokenCount(counts.output_tokens);
  return create(UsageSchema, {
    promptTokens,
    completionTokens,
    totalTokens: promptTokens + completionTokens,
  });
}

/** A `/v2/chat` response (`id`, `message`, `finish_reason`, `usage`) as a ChatCompletion. */
export function decodeCohereChatResponse(json: unknown, model: string): ChatCompletion {
  if (!isJsonObject(json) || !isJsonObject(json.message)) throw invalidUpstreamResponse();
  const output = json.message;
  const message: FirstChoiceMessage = {
    content: [],
    toolCalls: [],
    // The model's plan before its tool calls: reasoning, not an answer.
    reasoningContent: typeof output.tool_plan === "string" ? output.tool_plan : "",
  };
  if (typeof output.content === "string" && output.content !== "") {
    message.content.push(textPart(output.content));
  }
  for (const block of Array.isArray(output.content) ? output.content : []) {
    if (isJsonObject(block) && block.type === "text" && typeof block.text === "string" && block.text !== "") {
      message.content.push(textPart(block.text));
    }
  }
  for (const call of Array.isArray(output.tool_calls) ? output.tool_calls : []) {
    if (!isJsonObject(call) || !isJsonObject(call.function)) continue;
    message.toolCalls.push(
      create(ToolCallSchema, {
        id: typeof call.id === "string" ? call.id : "",
        name: typeof call.function.name === "string" ? call.function.name : "",
        arguments: typeof call.function.arguments === "string" ? call.function.arguments : "{}",
      }),
    );
  }
  return firstChoiceCompletion({
    id: typeof json.id === "string" ? json.id : "",
    model,
    message,
    finishReason: decodeCohereFinishReason(json.finish_reason),
    usage: decodeCohereUsage(json.usage),
  });
}
