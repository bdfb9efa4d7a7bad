import { create, type JsonObject } from "@bufbuild/protobuf";
import { FinishReason, ToolCallSchema } from "../../../gen/switchyard/v1/chat_pb.js";
import type { ChatCompletion } from "../../../gen/switchyard/v1/completion_pb.js";
import { invalidUpstreamResponse } from "../../errors/gateway-error.js";
import { type FirstChoiceMessage, firstChoiceCompletion } from "../first-choice-completion.js";
import { isJsonObject } from "../openai/json-object.js";
import { textPart } from "../text-part.js";
import { decodeAnthropicStreamError } from "./anthropic-error.js";
import { decodeStopReason, encodeStopReason } from "./anthropic-stop-reason.js";
import type { AnthropicMessage, AnthropicResponseBlock } from "./anthropic-types.js";
import { decodeAnthropicUsage, encodeAnthropicUsage } from "./anthropic-usage.js";

/**
 * A whole Messages response between Anthropic JSON and
 * switchyard.v1.ChatCompletion (one choice: Anthropic has no `n`).
 *
 * Decoding reads upstream bodies and is forgiving: text blocks become text
 * parts, `tool_use` blocks tool calls (input as JSON text), `thinking`
 * blocks the reasoning content; other block types (server tools, redacted
 * thinking) are skipped.
 */
export function decodeAnthropicMessage(json: unknown): ChatCompletion {
  if (!isJsonObject(json)) throw invalidUpstreamResponse();
  if (json.type === "error") throw decodeAnthropicStreamError(json);
  // A 200 without content blocks is no message, not an empty one.
  if (!Array.isArray(json.content))
    throw invalidUpstreamResponse(undefined, "upstream answer has no content");
  const message: FirstChoiceMessage = { content: [], toolCalls: [], reasoningContent: "" };
  if (Array.isArray(json.content)) {
    for (const block of json.content) {
      if (!isJsonObject(block)) continue;
      switch (block.type) {
        case "text":
          if (typeof block.text === "string" && block.text !== "") {
            message.content.push(textPart(block.text));
          }
          break;
        case "tool_use":
          message.toolCalls.push(
            create(ToolCallSchema, {
              id: typeof block.id === "string" ? block.id : "",
              name: typeof block.name === "string" ? block.name : "",
              arguments: JSON.stringify(isJsonObject(block.input) ? block.input : {}),
            }),
          );
          break;
        case "thinking":
          if (typeof block.thinking === "string") message.reasoningContent += block.thinking;
          break;
      }
    }
  }
  return firstChoiceCompletion({
    id: typeof json.id === "string" ? json.id : "",
    model: typeof json.model === "string" ? json.model : "",
    message,
    finishReason: decodeStopReason(json.stop_reason),
    usage: decodeAnthropicUsage(json.usage),
  });
}

/**
 * The body the Anthropic SDK expects from `POST /v1/messages` without
 * streaming, from the first choice: reasoning as a `thinking` block (with an
 * empty signature: the gateway has none to give), text and refusal parts
 * joined into one text block, tool calls as `tool_use` blocks. Tool
 * arguments that are not a JSON object (a model's broken output) become `{}`.
 */
export function encodeAnthropicMessage(completion: ChatCompletion): AnthropicMessage {
  const choice = completion.choices[0];
  const message = choice?.message;
  const content: AnthropicResponseBlock[] = [];
  if (message !== undefined) {
    if (message.reasoningContent !== "") {
      content.push({ type: "thinking", thinking: message.reasoningContent, signature: "" });
    }
    let text = "";
    for (const { part } of message.content) {
      if (part.case === "text" || part.case === "refusal") text += part.value;
    }
    if (text !== "") content.push({ type: "text", text, citations: null });
    for (const call of message.toolCalls) {
      content.push({ type: "tool_use", id: call.id, name: call.name, input: parseToolInput(call.arguments) });
    }
  }
  return {
    id: completion.id,
    type: "message",
    role: "assistant",
    model: completion.model,
    content,
    stop_reason: encodeStopReason(
      choice?.finishReason ?? FinishReason.UNSPECIFIED,
      (message?.toolCalls.length ?? 0) > 0,
    ),
    stop_sequence: null,
    usage: encodeAnthropicUsage(completion.usage),
  };
}

export function parseToolInput(text: string): JsonObject {
  if (text === "") return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return isJsonObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}
