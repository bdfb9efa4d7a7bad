import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { addDuration, parseDuration } from "../../src/keys/duration.js";

describe("LiteLLM's duration syntax", () => {
  it.each([
    ["30s", 30_000],
    ["10m", 600_000],
    ["1h", 3_600_000],
    ["30d", 30 * 86_400_000],
    ["1w", 7 * 86_400_000],
    [" 2h ", 7_200_000],
  ])("reads %j as %d ms", (text, ms) => {
    const duration = parseDuration(text, "duration");
    expect(addDuration(0, duration).getTime()).toBe(ms);
  });

  it("keeps the canonical text, which is what gets stored", () => {
    expect(parseDuration("007d", "budget_duration").text).toBe("7d");
    expect(parseDuration("1mo", "budget_duration")).toEqual({ amount: 1, unit: "mo", text: "1mo" });
  });

  it("adds calendar months, clamping the day to the month's last", () => {
    const month = parseDuration("1mo", "duration");
    expect(addDuration(new Date("2024-01-31T10:00:00Z"), month).toISOString()).toBe(
      "2024-02-29T10:00:00.000Z",
    );
    expect(addDuration(new Date("2025-01-31T10:00:00Z"), month).toISOString()).toBe(
      "2025-02-28T10:00:00.000Z",
    );
    expect(
      addDuration(new Date("2025-12-15T00:00:00Z"), parseDuration("2mo", "duration")).toISOString(),
    ).toBe("2026-02-15T00:00:00.000Z");
  });

  it.each(["", "30", "1hr", "1.5h", "-1d", "0s", "1 day", "5y", "d"])(
    "refuses %j with INVALID_ARGUMENT naming the field",
    (text) => {
      let thrown: unknown;
      try {
        parseDuration(text, "budget_duration");
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(GatewayError);
      expect(thrown).toMatchObject({ code: Code.InvalidArgument, param: "budget_duration" });
      expect((thrown as GatewayError).rawMessage).toMatch(/^budget_duration /);
    },
  );

  it("refuses durations that reach past the year 9999", () => {
    expect(() => parseDuration("999999999d", "duration")).toThrow(/too long/);
  });
});
