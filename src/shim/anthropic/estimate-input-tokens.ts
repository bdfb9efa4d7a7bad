import type { ChatCompletionRequest } from "../../../gen/switchyard/v1/completion_pb.js";

/** Characters per token for English text and JSON, the usual rule of thumb. */
const CHARACTERS_PER_TOKEN = 4;
/** Role markers and turn boundaries. */
const TOKENS_PER_MESSAGE = 4;
/** Anthropic bills an image of about a megapixel at roughly 1,600 tokens; documents vary widely. */
const TOKENS_PER_IMAGE_OR_FILE = 1600;

/**
 * A cheap local estimate of a request's input tokens, for
 * `/v1/messages/count_tokens`: a quarter of the characters of every text,
 * tool argument, tool result and tool definition, four tokens per message,
 * and a flat 1,600 per image, file or audio part. No tokenizer is involved
 * (the gateway serves many model families, and callers use the count for
 * budgeting, not billing), so expect an error of ±20% on English text.
 */
export function estimateInputTokens(request: ChatCompletionRequest): number {
  let characters = 0;
  let tokens = 0;
  for (const message of request.messages) {
    tokens += TOKENS_PER_MESSAGE;
    for (const { part } of message.content) {
      if (part.case === "text" || part.case === "refusal") characters += part.value.length;
      else if (part.case !== undefined) tokens += TOKENS_PER_IMAGE_OR_FILE;
    }
    for (const call of message.toolCalls) characters += call.name.length + call.arguments.length;
    characters += message.reasoningContent.length;
  }
  for (const tool of request.tools) {
    characters += tool.name.length + tool.description.length;
    if (tool.parameters !== undefined) characters += JSON.stringify(tool.parameters).length;
  }
  return Math.max(1, tokens + Math.ceil(characters / CHARACTERS_PER_TOKEN));
}
