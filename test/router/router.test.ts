import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { ConfigDiagnostics } from "../../src/config/config-diagnostics.js";
import { parseRouterSettings } from "../../src/config/router-settings.js";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { backoffMs } from "../../src/router/backoff.js";
import type { Deployment } from "../../src/router/deployment.js";
import { MemoryRouterState } from "../../src/router/memory-router-state.js";
import { Router } from "../../src/router/router.js";
import { type Answer, deployment, draws } from "./deployments.js";

const serverError = () =>
  new GatewayError({ code: Code.Unavailable, message: "upstream 500", httpStatus: 502, retryable: true });
const rateLimited = (retryAfterMs?: number) =>
  new GatewayError({ code: Code.ResourceExhausted, message: "upstream 429", retryAfterMs });

function router(deployments: Deployment[], raw: Record<string, unknown> = {}, random = draws(0)) {
  const groups = new Set(deployments.map((entry) => entry.modelGroup));
  const settings = parseRouterSettings(raw, groups, new ConfigDiagnostics());
  return new Router({ deployments, settings, state: new MemoryRouterState(), random });
}

/** `send` for Router.call: the named deployments fail with the given error, the others answer. */
function failing(failures: Record<string, () => GatewayError>, seen: string[] = []) {
  return async (target: Deployment): Promise<Answer> => {
    seen.push(target.id);
    const failure = failures[target.id];
    if (failure) throw failure();
    return { usage: undefined };
  };
}

const signal = new AbortController().signal;

describe("order tiers", () => {
  it("uses order 1 while it can, then order 2", async () => {
    const first = deployment("first", { order: 1 });
    const second = deployment("second", { order: 2 });
    const subject = router([second, first], { num_retries: 1, allowed_fails: 0 });
    expect((await subject.call("group", signal, failing({}))).deployment.id).toBe("first");

    const seen: string[] = [];
    const routed = await subject.call("group", signal, failing({ first: serverError }, seen));
    expect(seen).toEqual(["first", "second"]);
    expect(routed.deployment.id).toBe("second");
    expect(routed.retries).toBe(1);
    // "first" is cooling down now (allowed_fails 0): order 2 takes the call at once.
    const next: string[] = [];
    await subject.call("group", signal, failing({}, next));
    expect(next).toEqual(["second"]);
  });
});

describe("cooldowns", () => {
  it("cools a deployment down after more than allowed_fails failures in a minute", async () => {
    const subject = router([deployment("bad"), deployment("good")], { allowed_fails: 2 });
    const seen: string[] = [];
    const send = failing({ bad: serverError }, seen);
    // Draw 0 always picks "bad" while it is a candidate.
    for (let call = 0; call < 3; call++) await expect(subject.call("group", signal, send)).rejects.toThrow();
    expect(seen).toEqual(["bad", "bad", "bad"]);
    await subject.call("group", signal, send);
    expect(seen.at(-1)).toBe("good");
  });

  it("cools a deployment down at once after a 429", async () => {
    const subject = router([deployment("limited"), deployment("spare")], { allowed_fails: 5 });
    const seen: string[] = [];
    const send = failing({ limited: () => rateLimited() }, seen);
    await expect(subject.call("group", signal, send)).rejects.toMatchObject({ code: Code.ResourceExhausted });
    await subject.call("group", signal, send);
    expect(seen).toEqual(["limited", "spare"]);
  });

  it("answers 503 naming the group at once when every deployment cools down after failures", async () => {
    const subject = router([deployment("a"), deployment("b")], { allowed_fails: 0, cooldown_time: 30 });
    await expect(subject.call("group", signal, failing({ a: serverError }))).rejects.toThrow("upstream 500");
    await expect(subject.call("group", signal, failing({ b: serverError }))).rejects.toThrow("upstream 500");
    const seen: string[] = [];
    const failure = await subject
      .call("group", signal, failing({}, seen))
      .catch((error: GatewayError) => error);
    expect(seen).toEqual([]);
    expect(failure).toMatchObject({ code: Code.Unavailable, httpStatus: 503 });
    expect((failure as GatewayError).rawMessage).toMatch(/model group `group` is cooling down/);
    expect((failure as GatewayError).retryAfterMs).toBeGreaterThan(29_000);
  });

  it("answers 429 when the cooldowns came from 429s", async () => {
    const subject = router([deployment("a"), deployment("b")]);
    await expect(subject.call("group", signal, failing({ a: () => rateLimited() }))).rejects.toThrow();
    await expect(subject.call("group", signal, failing({ b: () => rateLimited() }))).rejects.toThrow();
    await expect(subject.call("group", signal, failing({}))).rejects.toMatchObject({
      code: Code.ResourceExhausted,
      httpStatus: 429,
    });
  });

  it("never cools down a group's only deployment", async () => {
    const subject = router([deployment("only")], { allowed_fails: 0 });
    await expect(subject.call("group", signal, failing({ only: () => rateLimited() }))).rejects.toThrow();
    expect((await subject.call("group", signal, failing({}))).deployment.id).toBe("only");
  });
});

describe("rpm limits", () => {
  it("refuses with 429 and a retry-after to the next minute once every rpm is used", async () => {
    const subject = router([deployment("a", { rpm: 2 }), deployment("b", { rpm: 1 })]);
    const seen: string[] = [];
    for (let call = 0; call < 3; call++) await subject.call("group", signal, failing({}, seen));
    expect(seen.sort()).toEqual(["a", "a", "b"]);
    const failure = await subject.call("group", signal, failing({})).catch((error: GatewayError) => error);
    expect(failure).toMatchObject({ code: Code.ResourceExhausted, httpStatus: 429 });
    expect((failure as GatewayError).rawMessage).toMatch(/model group `group`.*rpm\/tpm limit/);
    const retryAfterMs = (failure as GatewayError).retryAfterMs!;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(60_000);
  });
});

describe("backoff", () => {
  it("draws below an exponentially growing, capped ceiling (full jitter)", () => {
    expect(backoffMs(0, 0, undefined, draws(0.999))).toBeCloseTo(499.5);
    expect(backoffMs(2, 0, undefined, draws(0.5))).toBe(1000);
    expect(backoffMs(10, 0, undefined, draws(0.999))).toBeLessThanOrEqual(8000);
    expect(backoffMs(0, 0, undefined, draws(0))).toBe(0);
  });

  it("waits at least the upstream's retry-after and the retry_after setting", () => {
    expect(backoffMs(0, 0, 3000, draws(0.1))).toBe(3000);
    expect(backoffMs(0, 2000, undefined, draws(0))).toBe(2000);
    // Beyond a minute the hint is not waited for.
    expect(backoffMs(0, 0, 120_000, draws(0.5))).toBe(250);
  });

  it("retries the same deployment only after the retry-after hint", async () => {
    const subject = router([deployment("only")], { num_retries: 1 });
    const seen: number[] = [];
    const send = async (): Promise<Answer> => {
      seen.push(performance.now());
      if (seen.length === 1) throw rateLimited(120);
      return { usage: undefined };
    };
    const routed = await subject.call("group", signal, send);
    expect(routed.retries).toBe(1);
    expect(seen[1]! - seen[0]!).toBeGreaterThanOrEqual(119);
  });

  it("stops waiting at once when the caller aborts", async () => {
    // A timeout long enough for the backoff: a shorter one ends the call with the 429 at once.
    const subject = router([deployment("only", { timeoutMs: 60_000 })], { num_retries: 3 });
    const controller = new AbortController();
    const started = performance.now();
    const call = subject.call("group", controller.signal, async (): Promise<Answer> => {
      setImmediate(() => controller.abort());
      throw rateLimited(30_000);
    });
    await expect(call).rejects.toMatchObject({ code: Code.Canceled });
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe("fallbacks", () => {
  const primary = deployment("p", { group: "primary" });
  const backup = deployment("b", { group: "backup" });
  const big = deployment("big", { group: "big-context" });
  const raw = {
    fallbacks: [{ primary: ["backup"] }],
    context_window_fallbacks: [{ primary: ["big-context"] }],
  };

  it("tries the fallback group when the group fails", async () => {
    const routed = await router([primary, backup, big], raw).call(
      "primary",
      signal,
      failing({ p: serverError }),
    );
    expect(routed).toMatchObject({ group: "backup", fallbacks: 1, retries: 0 });
  });

  it("uses context_window_fallbacks when the context is too long", async () => {
    const tooLong = () =>
      new GatewayError({
        code: Code.InvalidArgument,
        message: "too long",
        errorCode: "context_length_exceeded",
      });
    const routed = await router([primary, backup, big], raw).call("primary", signal, failing({ p: tooLong }));
    expect(routed).toMatchObject({ group: "big-context", fallbacks: 1 });
  });

  it("does not fall back on the caller's own mistakes", async () => {
    const invalid = () => GatewayError.invalidArgument("bad temperature", "temperature");
    const seen: string[] = [];
    await expect(
      router([primary, backup], raw).call("primary", signal, failing({ p: invalid }, seen)),
    ).rejects.toThrow("bad temperature");
    expect(seen).toEqual(["p"]);
  });

  it("answers 404 model_not_found for an unknown group", async () => {
    await expect(router([primary]).call("nope", signal, failing({}))).rejects.toMatchObject({
      code: Code.NotFound,
      errorCode: "model_not_found",
    });
  });
});
