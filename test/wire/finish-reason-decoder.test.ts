import { describe, expect, it } from "vitest";
import { FinishReason } from "../../gen/switchyard/v1/chat_pb.js";
import { finishReasonDecoder } from "../../src/wire/finish-reason-decoder.js";

describe("finishReasonDecoder", () => {
  const decode = finishReasonDecoder({
    [FinishReason.STOP]: ["end_turn", "stop_sequence"],
    [FinishReason.LENGTH]: ["max_tokens"],
  });

  it("reads every stop reason listed under a finish reason as that finish reason", () => {
    expect(decode("end_turn")).toBe(FinishReason.STOP);
    expect(decode("stop_sequence")).toBe(FinishReason.STOP);
    expect(decode("max_tokens")).toBe(FinishReason.LENGTH);
  });

  it("reads an unknown reason, or one that is not a string, as UNSPECIFIED", () => {
    expect(decode("refusal")).toBe(FinishReason.UNSPECIFIED);
    expect(decode(undefined)).toBe(FinishReason.UNSPECIFIED);
    expect(decode(3)).toBe(FinishReason.UNSPECIFIED);
  });
});
