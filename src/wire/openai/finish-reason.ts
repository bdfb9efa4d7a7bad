import { FinishReason } from "../../../gen/switchyard/v1/chat_pb.js";
import { finishReasonDecoder } from "../finish-reason-decoder.js";
import type { OpenAIFinishReason } from "./openai-types.js";

/**
 * Finish reasons as upstreams write them: OpenAI's own first, then the words
 * a few OpenAI-compatible servers use for the same stops.
 */
export const decodeFinishReason = finishReasonDecoder({
  [FinishReason.STOP]: ["stop", "eos", "eos_token", "end_turn", "stop_sequence"],
  [FinishReason.LENGTH]: ["length", "max_tokens", "model_length"],
  [FinishReason.TOOL_CALLS]: ["tool_calls", "tool_use"],
  [FinishReason.CONTENT_FILTER]: ["content_filter"],
  [FinishReason.FUNCTION_CALL]: ["function_call"],
});

/** Indexed by FinishReason. */
const finishReasonNames: readonly (OpenAIFinishReason | undefined)[] = [
  undefined,
  "stop",
  "length",
  "tool_calls",
  "content_filter",
  "function_call",
];

/** The OpenAI name, or undefined for UNSPECIFIED (not finished, or not reported). */
export function encodeFinishReason(reason: FinishReason): OpenAIFinishReason | undefined {
  return finishReasonNames[reason];
}
