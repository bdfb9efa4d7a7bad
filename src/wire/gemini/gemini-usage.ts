import { create } from "@bufbuild/protobuf";
import { type Usage, UsageSchema } from "../../../gen/switchyard/v1/chat_pb.js";
import { tokenCount } from "../anthropic/anthropic-usage.js";
import { isJsonObject } from "../openai/json-object.js";

/**
 * Gemini's `usageMetadata` as switchyard.v1.Usage. `promptTokenCount`
 * already includes `cachedContentTokenCount` (OpenAI's convention too);
 * tool-use prompt tokens count as prompt. Thinking tokens are billed as
 * output, so completion = candidates + thoughts (LiteLLM does the same),
 * and they are reported again as reasoning tokens.
 */
export function decodeGeminiUsage(value: unknown): Usage | undefined {
  if (!isJsonObject(value)) return undefined;
  const prompt = tokenCount(value.promptTokenCount) + tokenCount(value.toolUsePromptTokenCount);
  const thoughts = tokenCount(value.thoughtsTokenCount);
  const completion = tokenCount(value.candidatesTokenCount) + thoughts;
  return create(UsageSchema, {
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: prompt + completion,
    cachedTokens: tokenCount(value.cachedContentTokenCount),
    reasoningTokens: thoughts,
  });
}
