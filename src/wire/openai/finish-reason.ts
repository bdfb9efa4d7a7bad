import { FinishReason } from "../../../gen/switchyard/v1/chat_pb.js";
import type { OpenAIFinishReason } from "./openai-types.js";

/**
 * Finish reasons as upstreams write them. Besides OpenAI's five, a few
 * OpenAI-compatible servers use their own words for the same stops.
 * Anything else decodes to UNSPECIFIED: an unknown reason is no reason to
 * fail a completion that arrived whole.
 */
const finishReasonByName: ReadonlyMap<string, FinishReason> = new Map([
  ["stop", FinishReason.STOP],
  ["length", FinishReason.LENGTH],
  ["tool_calls", FinishReason.TOOL_CALLS],
  ["content_filter", FinishReason.CONTENT_FILTER],
  ["function_call", FinishReason.FUNCTION_CALL],
  ["eos", FinishReason.STOP],
  ["eos_token", FinishReason.STOP],
  ["end_turn", FinishReason.STOP],
  ["stop_sequence", FinishReason.STOP],
  ["max_tokens", FinishReason.LENGTH],
  ["model_length", FinishReason.LENGTH],
  ["tool_use", FinishReason.TOOL_CALLS],
]);

/** Indexed by FinishReason. */
const finishReasonNames: readonly (OpenAIFinishReason | undefined)[] = [
  undefined,
  "stop",
  "length",
  "tool_calls",
  "content_filter",
  "function_call",
];

export function decodeFinishReason(value: unknown): FinishReason {
  if (typeof value !== "string") return FinishReason.UNSPECIFIED;
  return finishReasonByName.get(value) ?? FinishReason.UNSPECIFIED;
}

/** The OpenAI name, or undefined for UNSPECIFIED (not finished, or not reported). */
export function encodeFinishReason(reason: FinishReason): OpenAIFinishReason | undefined {
  return finishReasonNames[reason];
}
