import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FAN_OUT_CONCURRENCY } from "../../src/providers/text-via-chat.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";
import { upstreamCalls } from "./call-upstream-requests.js";

/**
 * A text completion with N prompts on a chat-only provider (groq here)
 * makes N upstream chat calls: they run a few at a time, count as N
 * requests against the deployment's rpm, and share one abort listener.
 */

let upstream: FakeOpenAI;
let gateway: RunningGateway;
let openai: OpenAI;
const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  gateway = await startGateway(`model_list:
  - model_name: fan
    litellm_params: { model: groq/slow-60, api_base: ${upstream.url}, api_key: sk-test }
  - model_name: metered
    litellm_params: { model: groq/gpt-4o-mini, api_base: ${upstream.url}, api_key: sk-test, rpm: 5 }
`);
  openai = new OpenAI({ apiKey: "unused", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  process.on("warning", onWarning);
});
afterEach(() => {
  warnings.length = 0;
});
afterAll(async () => {
  process.off("warning", onWarning);
  await gateway.close();
  await upstream.close();
});

describe("text completions fanned out through chat", () => {
  it("makes one call per prompt, a bounded number at a time, without a listener warning", async () => {
    const prompts = Array.from({ length: 40 }, (_, index) => `prompt ${index}`);
    const callsBefore = upstreamCalls(upstream, "slow-60");
    const started = performance.now();
    const answer = await openai.completions.create({ model: "fan", prompt: prompts, max_tokens: 4 });
    expect(answer.choices.map((choice) => choice.index)).toEqual(prompts.map((_, index) => index));
    expect(upstreamCalls(upstream, "slow-60") - callsBefore).toBe(40);
    // Each call takes 60 ms upstream: a few at a time cannot all be done in less than this.
    expect(performance.now() - started).toBeGreaterThanOrEqual((40 / FAN_OUT_CONCURRENCY) * 60);
    expect(
      warnings
        .filter((warning) => warning.name === "MaxListenersExceededWarning")
        .map((warning) => warning.stack),
    ).toEqual([]);
  });

  it("counts each prompt against the deployment's rpm", async () => {
    const before = upstreamCalls(upstream, "gpt-4o-mini");
    const refused = await openai.completions
      .create({ model: "metered", prompt: ["a", "b", "c", "d", "e", "f"] })
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    expect(upstreamCalls(upstream, "gpt-4o-mini")).toBe(before);
    // Five prompts fit in rpm 5 (the refused six were not counted).
    const answer = await openai.completions.create({ model: "metered", prompt: ["a", "b", "c", "d", "e"] });
    expect(answer.choices).toHaveLength(5);
    expect(upstreamCalls(upstream, "gpt-4o-mini") - before).toBe(5);
  });
});
