import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigDiagnostics } from "../../src/config/config-diagnostics.js";
import { parseRouterSettings } from "../../src/config/router-settings.js";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { MemoryRouterState } from "../../src/router/memory-router-state.js";
import { Router } from "../../src/router/router.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";
import { deployment } from "../router/deployments.js";
import { upstreamCalls } from "./call-upstream-requests.js";

/**
 * Timeouts are deadlines the gateway keeps itself, to within tens of
 * milliseconds: `timeout` per attempt and, for a group's retries together,
 * `stream_timeout` to a stream's first chunk, `timeout` of silence between
 * chunks after it. An upstream that dribbles bytes cannot stretch them.
 */

/** Lateness allowed end to end (HTTP both ways on a loaded machine); undici's timers were 0.5–1 s late. */
const TOLERANCE_MS = 350;

let upstream: FakeOpenAI;
let gateway: RunningGateway;
let openai: OpenAI;

function entry(group: string, fault: string, params: string): string {
  return `  - model_name: ${group}
    litellm_params: { model: openai/${fault}, api_base: ${upstream.url}, api_key: sk-test, ${params} }
`;
}

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  gateway = await startGateway(
    `model_list:
${entry("dripping", "drip-150", "timeout: 0.6")}${entry("hanging", "hang", "timeout: 0.5")}${entry("first-chunk", "hang", "timeout: 5, stream_timeout: 0.3")}${entry("stalling", "slow-stream-3000", "timeout: 0.4, stream_timeout: 2")}
router_settings:
  num_retries: 2
  retry_after: 0
`,
  );
  openai = new OpenAI({ apiKey: "unused", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const messages = [{ role: "user" as const, content: "hello" }];

/** Runs `call`, expecting it to fail; returns the error and the time it took. */
async function timedFailure(call: () => Promise<unknown>): Promise<{ error: unknown; elapsedMs: number }> {
  const started = performance.now();
  const error = await call().then(
    () => undefined,
    (reason: unknown) => reason,
  );
  return { error, elapsedMs: performance.now() - started };
}

describe("deployment timeouts", () => {
  it("cuts an upstream that sends a byte every 150 ms at its 0.6 s timeout", async () => {
    const { error, elapsedMs } = await timedFailure(() =>
      openai.chat.completions.create({ model: "dripping", messages }),
    );
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
    expect(elapsedMs).toBeGreaterThanOrEqual(600);
    expect(elapsedMs).toBeLessThan(600 + TOLERANCE_MS);
  });

  it("answers a hanging deployment at its timeout, retries included (timeout 0.5, num_retries 2)", async () => {
    const before = upstreamCalls(upstream, "hang");
    const { error, elapsedMs } = await timedFailure(() =>
      openai.chat.completions.create({ model: "hanging", messages }).withResponse(),
    );
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
    expect(elapsedMs).toBeLessThan(500 + TOLERANCE_MS);
    // No time was left for a retry; the answer says so.
    expect(upstreamCalls(upstream, "hang") - before).toBe(1);
    expect((error as InstanceType<typeof OpenAI.APIError>).headers?.get("x-litellm-attempted-retries")).toBe(
      "0",
    );
  });

  it("gives a stream stream_timeout (0.3 s) for its first chunk", async () => {
    const { error, elapsedMs } = await timedFailure(async () => {
      const stream = await openai.chat.completions.create({ model: "first-chunk", messages, stream: true });
      for await (const _chunk of stream) {
        // no chunk is expected
      }
    });
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
    expect(elapsedMs).toBeGreaterThanOrEqual(300);
    expect(elapsedMs).toBeLessThan(300 + TOLERANCE_MS);
  });

  it("ends a stream that goes silent for its timeout (0.4 s) after the first chunk, in-stream", async () => {
    const stream = await openai.chat.completions.create({ model: "stalling", messages, stream: true });
    let firstAt = 0;
    const { error } = await timedFailure(async () => {
      for await (const _chunk of stream) firstAt ||= performance.now();
    });
    const silentMs = performance.now() - firstAt;
    expect(firstAt).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(String((error as Error).message)).toMatch(/sent nothing for 400 ms/);
    // Counted by the gateway from when it had the chunk, a little before this client did.
    expect(silentMs).toBeGreaterThanOrEqual(350);
    expect(silentMs).toBeLessThan(400 + TOLERANCE_MS);
  });
});

describe("the router's own deadline", () => {
  it("fires sub-second timeouts within 50 ms (median of five)", async () => {
    const router = new Router({
      deployments: [deployment("only", { timeoutMs: 120 })],
      settings: parseRouterSettings({ num_retries: 0 }, new Set(["group"]), new ConfigDiagnostics()),
      state: new MemoryRouterState(),
    });
    const lateness: number[] = [];
    for (let run = 0; run < 5; run++) {
      const started = performance.now();
      const failure = await router
        .call(
          "group",
          new AbortController().signal,
          (_deployment, options) =>
            new Promise<{ usage: undefined }>((_resolve, reject) => {
              options.signal.addEventListener("abort", () => reject(options.signal.reason), { once: true });
            }),
        )
        .then(
          () => undefined,
          (reason: unknown) => reason,
        );
      expect(failure).toBeInstanceOf(GatewayError);
      expect((failure as GatewayError).errorCode).toBe("timeout");
      lateness.push(performance.now() - started - 120);
    }
    lateness.sort((a, b) => a - b);
    expect(lateness[0]).toBeGreaterThanOrEqual(-1);
    expect(lateness[2]).toBeLessThan(50);
  });
});
