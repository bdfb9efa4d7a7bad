import { create } from "@bufbuild/protobuf";
import { type Usage, UsageSchema } from "../../../gen/switchyard/v1/chat_pb.js";
import { isJsonObject } from "../openai/json-object.js";
import type { AnthropicUsage } from "./anthropic-types.js";

/**
 * Token usage between Anthropic JSON and switchyard.v1.Usage.
 *
 * Anthropic's `input_tokens` counts only the uncached part of the prompt;
 * cache reads and cache writes are reported beside it. The proto follows
 * OpenAI, whose `prompt_tokens` is the whole prompt, so:
 * promptTokens = input + cache_read + cache_creation, cachedTokens =
 * cache_read, cacheCreationTokens = cache_creation. Encoding reverses it.
 */
export function decodeAnthropicUsage(value: unknown): Usage | undefined {
  if (!isJsonObject(value)) return undefined;
  const input = tokenCount(value.input_tokens);
  const cacheRead = tokenCount(value.cache_read_input_tokens);
  const cacheCreation = tokenCount(value.cache_creation_input_tokens);
  const usage = usageOf(input, tokenCount(value.output_tokens), cacheRead, cacheCreation);
  const details = value.output_tokens_details;
  if (isJsonObject(details)) usage.reasoningTokens = tokenCount(details.thinking_tokens);
  return usage;
}

/** A Usage from Anthropic's four counters (already validated numbers). */
export function usageOf(input: number, output: number, cacheRead: number, cacheCreation: number): Usage {
  const promptTokens = input + cacheRead + cacheCreation;
  return create(UsageSchema, {
    promptTokens,
    completionTokens: output,
    totalTokens: promptTokens + output,
    cachedTokens: cacheRead,
    cacheCreationTokens: cacheCreation,
  });
}

/** Anthropic's usage object; an absent usage counts zero everywhere. */
export function encodeAnthropicUsage(usage: Usage | undefined): AnthropicUsage {
  if (usage === undefined) {
    return {
      input_tokens: 0,
      output_tokens: 0,
      cache_creation_input_tokens: null,
      cache_read_input_tokens: null,
    };
  }
  return {
    input_tokens: Math.max(0, usage.promptTokens - usage.cachedTokens - usage.cacheCreationTokens),
    output_tokens: usage.completionTokens,
    cache_creation_input_tokens: usage.cacheCreationTokens,
    cache_read_input_tokens: usage.cachedTokens,
  };
}

const INT32_MAX = 2147483647;

/** A count that fits the proto's int32: non-numbers, negatives and NaN are 0. */
export function tokenCount(value: unknown): number {
  if (typeof value !== "number" || !(value > 0)) return 0;
  return value >= INT32_MAX ? INT32_MAX : Math.trunc(value);
}
