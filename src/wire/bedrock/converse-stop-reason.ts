import { FinishReason } from "../../../gen/switchyard/v1/chat_pb.js";
import { finishReasonDecoder } from "../finish-reason-decoder.js";

/**
 * Converse stop reasons (API_runtime_Converse `stopReason`) as finish
 * reasons, the table LiteLLM's converse transformation applies.
 */
export const decodeConverseStopReason = finishReasonDecoder({
  [FinishReason.STOP]: ["end_turn", "stop_sequence"],
  [FinishReason.LENGTH]: ["max_tokens", "model_context_window_exceeded"],
  [FinishReason.TOOL_CALLS]: ["tool_use"],
  [FinishReason.CONTENT_FILTER]: ["guardrail_intervened", "content_filtered"],
});
