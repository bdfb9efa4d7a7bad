import { FinishReason } from "../../../gen/switchyard/v1/chat_pb.js";
import { finishReasonDecoder } from "../finish-reason-decoder.js";
import type { AnthropicStopReason } from "./anthropic-types.js";

/** Anthropic's stop reasons as the proto's finish reasons (protocols.md §6.5). */
export const decodeStopReason = finishReasonDecoder({
  // pause_turn: the server paused a long server-tool turn; for the caller the turn is over.
  [FinishReason.STOP]: ["end_turn", "stop_sequence", "pause_turn"],
  [FinishReason.LENGTH]: ["max_tokens", "model_context_window_exceeded"],
  [FinishReason.TOOL_CALLS]: ["tool_use"],
  [FinishReason.CONTENT_FILTER]: ["refusal"],
});

/** Indexed by FinishReason; the legacy function_call counts as a tool call. */
const stopReasonByFinishReason: readonly AnthropicStopReason[] = [
  "end_turn",
  "end_turn",
  "max_tokens",
  "tool_use",
  "refusal",
  "tool_use",
];

/**
 * The stop reason for a finished message. An unreported reason is inferred:
 * `tool_use` when the message calls tools, else `end_turn`. OpenAI-style
 * upstreams do not say which stop sequence fired, so STOP is `end_turn`.
 */
export function encodeStopReason(reason: FinishReason, callsTools: boolean): AnthropicStopReason {
  if (reason === FinishReason.UNSPECIFIED) return callsTools ? "tool_use" : "end_turn";
  return stopReasonByFinishReason[reason] ?? "end_turn";
}
