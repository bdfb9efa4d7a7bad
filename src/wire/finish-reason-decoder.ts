import { FinishReason } from "../../gen/switchyard/v1/chat_pb.js";

/** An upstream's stop reasons, listed under the finish reason each one means. */
export type StopReasonsByFinishReason = Partial<Record<FinishReason, readonly string[]>>;

/**
 * The decoder of one upstream's stop reasons. Decoding is forgiving: a
 * reason not listed, or not a string, is UNSPECIFIED, as an unknown reason
 * is no reason to fail a completion that arrived whole.
 */
export function finishReasonDecoder(table: StopReasonsByFinishReason): (value: unknown) => FinishReason {
  const finishReasonByStopReason = new Map<string, FinishReason>();
  for (const [finishReason, stopReasons] of Object.entries(table)) {
    for (const stopReason of stopReasons) {
      finishReasonByStopReason.set(stopReason, Number(finishReason) as FinishReason);
    }
  }
  return (value) =>
    (typeof value === "string" ? finishReasonByStopReason.get(value) : undefined) ?? FinishReason.UNSPECIFIED;
}
