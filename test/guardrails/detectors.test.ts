import { describe, expect, it } from "vitest";
import { firstMatch, ibanChecksum, luhn, PREBUILT, replaceMatches } from "../../src/guardrails/detectors.js";

describe("the content filter's detectors", () => {
  it("takes card numbers only when their Luhn check digit is right", () => {
    expect(luhn("4111 1111 1111 1111")).toBe(true);
    expect(luhn("5555-5555-5555-4444")).toBe(true);
    expect(luhn("4000 1234 5678 9012")).toBe(false);
    expect(firstMatch(PREBUILT.credit_card!, "pay with 4111 1111 1111 1111 please")).toBe(
      "4111 1111 1111 1111",
    );
    // An order number of the right shape is not a card.
    expect(firstMatch(PREBUILT.credit_card!, "order 4000 1234 5678 9012 shipped")).toBeUndefined();
  });

  it("takes IBANs only when their mod-97 check holds", () => {
    expect(ibanChecksum("GB82 WEST 1234 5698 7654 32")).toBe(true);
    expect(ibanChecksum("DE89370400440532013000")).toBe(true);
    expect(ibanChecksum("GB82 WEST 1234 5698 7654 33")).toBe(false);
    expect(firstMatch(PREBUILT.iban!, "send to DE89 3704 0044 0532 0130 00 today")).toBe(
      "DE89 3704 0044 0532 0130 00",
    );
    expect(firstMatch(PREBUILT.iban!, "ticket AB12 CDEF GHIJ KLMN")).toBeUndefined();
  });

  it("finds emails, phone numbers and key-like secrets, and masks every confirmed match", () => {
    expect(firstMatch(PREBUILT.email!, "write to jane.doe@example.com")).toBe("jane.doe@example.com");
    expect(firstMatch(PREBUILT.us_phone!, "call (415) 555-0132 now")).toBe("(415) 555-0132");
    expect(firstMatch(PREBUILT.phone!, "call +44 20 7946 0958 now")).toBe("+44 20 7946 0958");
    expect(firstMatch(PREBUILT.aws_access_key!, "key AKIAIOSFODNN7EXAMPLE")).toBe("AKIAIOSFODNN7EXAMPLE");
    expect(firstMatch(PREBUILT.openai_api_key!, "use sk-proj-abcdefghijklmnopqrstuvwx")).toBeDefined();
    expect(firstMatch(PREBUILT.email!, "no address here, version 1.2.3")).toBeUndefined();
    expect(
      replaceMatches(PREBUILT.credit_card!, "4111 1111 1111 1111 and 4000 1234 5678 9012", "[CARD]"),
    ).toBe("[CARD] and 4000 1234 5678 9012");
  });
});
