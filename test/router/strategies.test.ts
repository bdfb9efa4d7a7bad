import { describe, expect, it } from "vitest";
import { ConfigDiagnostics } from "../../src/config/config-diagnostics.js";
import { parseRouterSettings } from "../../src/config/router-settings.js";
import { latencyBased } from "../../src/router/strategies/latency-based.js";
import { leastBusy } from "../../src/router/strategies/least-busy.js";
import { simpleShuffle } from "../../src/router/strategies/simple-shuffle.js";
import { usageBased } from "../../src/router/strategies/usage-based.js";
import { deployment, draws } from "./deployments.js";

const settings = parseRouterSettings({}, new Set(), new ConfigDiagnostics());
const now = Date.UTC(2025, 0, 1, 12, 0, 30);

describe("simple-shuffle", () => {
  const heavy = deployment("heavy", { weight: 3 });
  const light = deployment("light", { weight: 1 });

  it("draws in proportion to weight", () => {
    // Total weight 4: draws below 0.75 land on the weight-3 deployment.
    expect(simpleShuffle.pick([heavy, light], { stream: false }, settings, draws(0.74), now)).toBe(heavy);
    expect(simpleShuffle.pick([heavy, light], { stream: false }, settings, draws(0.76), now)).toBe(light);
  });

  it("uses rpm as the weight when no weight is given", () => {
    const big = deployment("big", { rpm: 900 });
    const small = deployment("small", { rpm: 100 });
    expect(simpleShuffle.pick([big, small], { stream: false }, settings, draws(0.89), now)).toBe(big);
    expect(simpleShuffle.pick([big, small], { stream: false }, settings, draws(0.91), now)).toBe(small);
  });
});

describe("least-busy", () => {
  it("picks the deployment with the fewest calls under way", () => {
    const [a, b, c] = [deployment("a"), deployment("b"), deployment("c")];
    const inFlight = new Map([
      ["a", 4],
      ["b", 1],
      ["c", 2],
    ]);
    expect(leastBusy.pick([a, b, c], { stream: false, inFlight }, settings, draws(0.99), now)).toBe(b);
  });

  it("shares ties at random", () => {
    const [a, b] = [deployment("a"), deployment("b")];
    const inFlight = new Map([
      ["a", 0],
      ["b", 0],
    ]);
    expect(leastBusy.pick([a, b], { stream: false, inFlight }, settings, draws(0.1), now)).toBe(a);
    expect(leastBusy.pick([a, b], { stream: false, inFlight }, settings, draws(0.9), now)).toBe(b);
  });
});

describe("latency-based-routing", () => {
  const [fast, close, slow] = [deployment("fast"), deployment("close"), deployment("slow")];
  const latency = new Map([
    ["fast", { latencyMs: 100, timeToFirstTokenMs: 900 }],
    ["close", { latencyMs: 120, timeToFirstTokenMs: 50 }],
    ["slow", { latencyMs: 400 }],
  ]);

  it("picks the lowest latency without a buffer", () => {
    expect(
      latencyBased.pick([fast, close, slow], { stream: false, latency }, settings, draws(0.99), now),
    ).toBe(fast);
  });

  it("shares the load among deployments within lowest_latency_buffer", () => {
    const buffered = { ...settings, lowestLatencyBuffer: 0.5 };
    const snapshot = { stream: false, latency };
    expect(latencyBased.pick([fast, close, slow], snapshot, buffered, draws(0.1), now)).toBe(fast);
    expect(latencyBased.pick([fast, close, slow], snapshot, buffered, draws(0.9), now)).toBe(close);
  });

  it("ranks streams by time to first token", () => {
    expect(
      latencyBased.pick([fast, close, slow], { stream: true, latency }, settings, draws(0.99), now),
    ).toBe(close);
  });

  it("tries a deployment without measurements first", () => {
    const fresh = deployment("fresh");
    expect(
      latencyBased.pick([fast, close, fresh], { stream: false, latency }, settings, draws(0.99), now),
    ).toBe(fresh);
  });
});

describe("usage-based-routing", () => {
  it("picks the lowest token use this minute and skips deployments at their limit", () => {
    const full = deployment("full", { rpm: 10 });
    const busy = deployment("busy", { tpm: 10_000 });
    const quiet = deployment("quiet", { tpm: 10_000 });
    const usage = new Map([
      ["full", { requests: 10, tokens: 0 }],
      ["busy", { requests: 3, tokens: 5000 }],
      ["quiet", { requests: 5, tokens: 1200 }],
    ]);
    expect(usageBased.pick([full, busy, quiet], { stream: false, usage }, settings, draws(0.5), now)).toBe(
      quiet,
    );
  });

  it("returns none when every deployment is at its limit", () => {
    const a = deployment("a", { rpm: 2 });
    const b = deployment("b", { tpm: 100 });
    const usage = new Map([
      ["a", { requests: 2, tokens: 0 }],
      ["b", { requests: 1, tokens: 150 }],
    ]);
    expect(usageBased.pick([a, b], { stream: false, usage }, settings, draws(0.5), now)).toBeUndefined();
  });
});
