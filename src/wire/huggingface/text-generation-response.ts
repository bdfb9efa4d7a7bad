import { create } from "@bufbuild/protobuf";
import { FinishReason, type Usage, UsageSchema } from "../../../gen/switchyard/v1/chat_pb.js";
import { invalidUpstreamResponse } from "../../errors/gateway-error.js";
import { decodeFinishReason } from "../openai/finish-reason.js";
import { isJsonObject } from "../openai/json-object.js";
import { decodeHuggingFaceStreamError } from "./huggingface-error.js";

/** One generated text, ready to become a chat message or a text choice. */
export interface GeneratedText {
  readonly text: string;
  readonly finishReason: FinishReason;
  /** From `details`; undefined when the upstream sent none (the classic API's plain answer). */
  readonly usage: Usage | undefined;
}

/**
 * Decodes a whole text-generation answer: the classic Inference API's
 * `[{generated_text, details?}]` or TGI's `{generated_text, details?}`.
 *
 * Servers include the stop sequence that ended generation at the end of
 * the text; OpenAI callers expect it left out, so it is removed. Without
 * `details` the finish reason is STOP: the answer came back whole, and the
 * upstream did not say why it ended.
 */
export function decodeTextGeneration(json: unknown, stop: readonly string[]): GeneratedText {
  const answer = Array.isArray(json) ? json[0] : json;
  if (!isJsonObject(answer)) throw invalidUpstreamResponse();
  if (answer.error !== undefined && answer.generated_text === undefined) {
    throw decodeHuggingFaceStreamError(answer);
  }
  if (typeof answer.generated_text !== "string") throw invalidUpstreamResponse();
  const details = isJsonObject(answer.details) ? answer.details : undefined;
  const rawReason = details?.finish_reason;
  let text = answer.generated_text;
  if (rawReason === "stop_sequence" || details === undefined) text = withoutTrailingStop(text, stop);
  return {
    text,
    finishReason: details === undefined ? FinishReason.STOP : decodeFinishReason(rawReason),
    usage: details === undefined ? undefined : decodeDetailsUsage(details),
  };
}

/** Token counts of `details`: generated_tokens, and input_length (or the prefill's length) when sent. */
export function decodeDetailsUsage(details: { readonly [key: string]: unknown }): Usage {
  const completionTokens = tokenCount(details.generated_tokens);
  const promptTokens =
    typeof details.input_length === "number"
      ? tokenCount(details.input_length)
      : Array.isArray(details.prefill)
        ? details.prefill.length
        : 0;
  return create(UsageSchema, {
    promptTokens,
    completionTokens,
    totalTokens: promptTokens + completionTokens,
  });
}

export function withoutTrailingStop(text: string, stop: readonly string[]): string {
  for (const sequence of stop) {
    if (sequence !== "" && text.endsWith(sequence)) return text.slice(0, text.length - sequence.length);
  }
  return text;
}

const INT32_MAX = 2147483647;

function tokenCount(value: unknown): number {
  if (typeof value !== "number" || !(value > 0)) return 0;
  return value >= INT32_MAX ? INT32_MAX : Math.trunc(value);
}
