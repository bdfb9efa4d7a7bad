import { FinishReason } from "../../../gen/switchyard/v1/chat_pb.js";

/**
 * Converse stop reasons (API_runtime_Converse `stopReason`) as finish
 * reasons, the table LiteLLM's converse transformation applies. Unknown
 * reasons are UNSPECIFIED rather than a failed call.
 *
 * | Converse                                     | FinishReason   |
 * |----------------------------------------------|----------------|
 * | end_turn, stop_sequence                      | STOP           |
 * | max_tokens, model_context_window_exceeded    | LENGTH         |
 * | tool_use                                     | TOOL_CALLS     |
 * | guardrail_intervened, content_filtered       | CONTENT_FILTER |
 */
const finishReasonByStopReason: ReadonlyMap<string, FinishReason> = new Map([
  ["end_turn", FinishReason.STOP],
  ["stop_sequence", FinishReason.STOP],
  ["max_tokens", FinishReason.LENGTH],
  ["model_context_window_exceeded", FinishReason.LENGTH],
  ["tool_use", FinishReason.TOOL_CALLS],
  ["guardrail_intervened", FinishReason.CONTENT_FILTER],
  ["content_filtered", FinishReason.CONTENT_FILTER],
]);

export function decodeConverseStopReason(value: unknown): FinishReason {
  if (typeof value !== "string") return FinishReason.UNSPECIFIED;
  return finishReasonByStopReason.get(value) ?? FinishReason.UNSPECIFIED;
}
