import { create } from "@bufbuild/protobuf";
import { type Usage, UsageSchema } from "../../../gen/switchyard/v1/chat_pb.js";
import { isJsonObject } from "./json-object.js";
import type { OpenAIUsage } from "./openai-types.js";

/**
 * Token usage between OpenAI JSON and switchyard.v1.Usage. Decoding is
 * forgiving (it reads upstream bodies): missing or non-numeric counts are 0,
 * and a missing total is the sum of the two others.
 */
export function decodeUsage(value: unknown): Usage | undefined {
  if (!isJsonObject(value)) return undefined;
  const promptTokens = tokenCount(value.prompt_tokens);
  const completionTokens = tokenCount(value.completion_tokens);
  const promptDetails = value.prompt_tokens_details;
  const completionDetails = value.completion_tokens_details;
  return create(UsageSchema, {
    promptTokens,
    completionTokens,
    totalTokens:
      typeof value.total_tokens === "number"
        ? tokenCount(value.total_tokens)
        : promptTokens + completionTokens,
    cachedTokens: isJsonObject(promptDetails) ? tokenCount(promptDetails.cached_tokens) : 0,
    cacheCreationTokens: isJsonObject(promptDetails) ? tokenCount(promptDetails.cache_write_tokens) : 0,
    reasoningTokens: isJsonObject(completionDetails) ? tokenCount(completionDetails.reasoning_tokens) : 0,
  });
}

/** Detail objects are written only for non-zero counts, as OpenAI's own optional fields. */
export function encodeUsage(usage: Usage): OpenAIUsage {
  const encoded: OpenAIUsage = {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.totalTokens,
  };
  if (usage.cachedTokens !== 0 || usage.cacheCreationTokens !== 0) {
    const details: NonNullable<OpenAIUsage["prompt_tokens_details"]> = { cached_tokens: usage.cachedTokens };
    if (usage.cacheCreationTokens !== 0) details.cache_write_tokens = usage.cacheCreationTokens;
    encoded.prompt_tokens_details = details;
  }
  if (usage.reasoningTokens !== 0) {
    encoded.completion_tokens_details = { reasoning_tokens: usage.reasoningTokens };
  }
  return encoded;
}

const INT32_MAX = 2147483647;

/** A count that fits the proto's int32: non-numbers, negatives and NaN are 0. */
function tokenCount(value: unknown): number {
  if (typeof value !== "number" || !(value > 0)) return 0;
  return value >= INT32_MAX ? INT32_MAX : Math.trunc(value);
}

/** A streamed message: its choices, and usage on the one that reports it. */
interface StreamedMessage {
  readonly choices: readonly unknown[];
  readonly usage?: Usage;
}

/**
 * A per-stream encoder that skips the chunks with nothing for this client:
 * no choices, and no usage it asked for (the gateway always asks upstreams
 * for usage, the client may not have).
 */
export function newsOnly<Chunk extends StreamedMessage, Encoded>(
  includeUsage: boolean,
  encode: (chunk: Chunk) => Encoded,
): (chunk: Chunk) => Encoded | undefined {
  return (chunk) =>
    chunk.choices.length > 0 || (includeUsage && chunk.usage !== undefined) ? encode(chunk) : undefined;
}

/**
 * Usage on an encoded stream message: written where present unless the
 * client asked not to see it, and `null` on the other messages of a stream
 * that asked for it (as OpenAI sends it).
 */
export function attachUsage(
  encoded: { usage?: OpenAIUsage | null },
  usage: Usage | undefined,
  includeUsage: boolean | undefined,
): void {
  if (usage !== undefined) {
    if (includeUsage !== false) encoded.usage = encodeUsage(usage);
  } else if (includeUsage === true) {
    encoded.usage = null;
  }
}
