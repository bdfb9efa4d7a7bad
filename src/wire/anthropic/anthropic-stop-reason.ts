import { FinishReason } from "../../../gen/switchyard/v1/chat_pb.js";
import type { AnthropicStopReason } from "./anthropic-types.js";

/**
 * Anthropic's stop reasons against the proto's finish reasons (protocols.md
 * §6.5). Decoding is forgiving: an unknown reason is UNSPECIFIED, no reason
 * to fail a message that arrived whole.
 *
 * | Anthropic                         | FinishReason   |
 * |-----------------------------------|----------------|
 * | end_turn, stop_sequence, pause_turn | STOP         |
 * | max_tokens, model_context_window_exceeded | LENGTH |
 * | tool_use                          | TOOL_CALLS     |
 * | refusal                           | CONTENT_FILTER |
 */
const finishReasonByStopReason: ReadonlyMap<string, FinishReason> = new Map([
  ["end_turn", FinishReason.STOP],
  ["stop_sequence", FinishReason.STOP],
  // The server paused a long server-tool turn; for the caller the turn is over.
  ["pause_turn", FinishReason.STOP],
  ["max_tokens", FinishReason.LENGTH],
  ["model_context_window_exceeded", FinishReason.LENGTH],
  ["tool_use", FinishReason.TOOL_CALLS],
  ["refusal", FinishReason.CONTENT_FILTER],
]);

export function decodeStopReason(value: unknown): FinishReason {
  if (typeof value !== "string") return FinishReason.UNSPECIFIED;
  return finishReasonByStopReason.get(value) ?? FinishReason.UNSPECIFIED;
}

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
