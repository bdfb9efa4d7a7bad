import { setTimeout as wait } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";
import { parseSamples, type Sample, scrape, total } from "./prometheus-text.js";

let upstream: FakeOpenAI;
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  upstream = await startFakeOpenAI();
});
afterAll(() => upstream.close());
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
});

/** One model_list entry on the fake upstream; `fault` is the fake's model name (its behaviour). */
function entry(group: string, id: string, fault: string, params = ""): string {
  return `  - model_name: ${group}
    litellm_params: { model: openai/${fault}, api_base: ${upstream.url}, api_key: sk-test${params ? `, ${params}` : ""} }
    model_info: { id: ${id} }
`;
}

const mixConfig = () =>
  [
    "general_settings:\n  master_key: os.environ/MASTER\n",
    "model_list:\n",
    entry("gpt-test", "gpt-test-1", "gpt-4o-mini"),
    entry("bad-request", "bad-request-1", "error-400"),
    // Both fail: the call retries on the other at once, then falls back to gpt-test.
    entry("flaky", "flaky-a", "error-503"),
    entry("flaky", "flaky-b", "error-503"),
    // Tiers: pair-bad is always tried first while it is not cooling down.
    entry("pair", "pair-bad", "error-500", "order: 1"),
    entry("pair", "pair-good", "gpt-4o", "order: 2"),
    entry("hanging", "hanging-1", "hang"),
    "router_settings:\n",
    "  num_retries: 1\n  allowed_fails: 0\n  cooldown_time: 60\n  fallbacks: [{flaky: [gpt-test]}]\n",
  ].join("");

async function start(yaml = mixConfig()): Promise<RunningGateway> {
  const gateway = await startGateway(yaml, { MASTER: MASTER_KEY });
  gateways.push(gateway);
  return gateway;
}

interface Answer {
  status: number;
  headers: Headers;
  body: { usage?: { prompt_tokens: number; completion_tokens: number } };
}

async function chat(gateway: RunningGateway, model: string, signal?: AbortSignal): Promise<Answer> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${MASTER_KEY}` },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "how many words are here" }] }),
    signal,
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Answer["body"],
  };
}

/** A streamed chat with usage; returns the usage of the last chunk. */
async function streamChat(gateway: RunningGateway, model: string) {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${MASTER_KEY}` },
    body: JSON.stringify({
      model,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "stream these four words" }],
    }),
  });
  expect(response.status).toBe(200);
  const text = await response.text();
  const events = text
    .split("\n")
    .filter((line) => line.startsWith("data: {"))
    .map((line) => JSON.parse(line.slice(6)) as Answer["body"]);
  return events.at(-1)!.usage!;
}

/** Polls until `condition` holds; fails after 5 s. */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met within 5 s");
    await wait(10);
  }
}

/** Scrapes once `check` passes (a stream's record lands just after its last byte). */
async function scrapeWhen(url: string, check: (samples: Sample[]) => boolean): Promise<Sample[]> {
  let samples: Sample[] = [];
  await until(async () => {
    samples = await scrape(url);
    return check(samples);
  });
  return samples;
}

describe("GET /metrics after a scripted mix of calls", () => {
  it("counts requests, failures, retries, fallbacks, cooldowns, tokens and spend exactly", async () => {
    const gateway = await start();
    const successes = await Promise.all([1, 2, 3].map(() => chat(gateway, "gpt-test")));
    const failures = await Promise.all([1, 2].map(() => chat(gateway, "bad-request")));
    const unknown = await chat(gateway, "no-such-model");
    const fellBack = await chat(gateway, "flaky");
    const pairFirst = await chat(gateway, "pair");
    const pairSecond = await chat(gateway, "pair");
    const streamUsage = await streamChat(gateway, "gpt-test");

    for (const answer of [...successes, fellBack, pairFirst, pairSecond]) expect(answer.status).toBe(200);
    for (const answer of failures) expect(answer.status).toBe(400);
    expect(unknown.status).toBe(404);
    expect(fellBack.headers.get("x-litellm-attempted-fallbacks")).toBe("1");
    expect(pairFirst.headers.get("x-litellm-attempted-retries")).toBe("1");
    expect(pairSecond.headers.get("x-litellm-attempted-retries")).toBe("0");

    const samples = await scrapeWhen(
      gateway.url,
      (current) => total(current, "switchyard_requests_total", { stream: "true" }) === 1,
    );
    const requests = (labels: Record<string, string>) => total(samples, "switchyard_requests_total", labels);
    expect(requests({})).toBe(10);
    expect(
      requests({ model_group: "gpt-test", deployment: "gpt-test-1", provider: "openai", stream: "false" }),
    ).toBe(4); // three asked for it, one fell back to it
    expect(requests({ model_group: "gpt-test", stream: "true", status_code: "200", kind: "chat" })).toBe(1);
    expect(requests({ model_group: "pair", deployment: "pair-good", status_code: "200" })).toBe(2);
    expect(requests({ model_group: "bad-request", deployment: "none", status_code: "400" })).toBe(2);
    expect(requests({ model_group: "unknown", deployment: "none", status_code: "404" })).toBe(1);

    const failed = (labels: Record<string, string>) =>
      total(samples, "switchyard_request_failures_total", labels);
    expect(failed({})).toBe(3);
    expect(failed({ model_group: "bad-request", error_type: "invalid_request_error" })).toBe(2);
    expect(failed({ model_group: "unknown", status_code: "404" })).toBe(1);

    expect(total(samples, "switchyard_retries_total", { model_group: "flaky" })).toBe(1);
    expect(total(samples, "switchyard_retries_total", { model_group: "pair" })).toBe(1);
    expect(total(samples, "switchyard_retries_total")).toBe(2);
    expect(total(samples, "switchyard_fallbacks_total", { model_group: "flaky" })).toBe(1);
    expect(total(samples, "switchyard_fallbacks_total")).toBe(1);
    const cooldowns = (labels: Record<string, string>) =>
      total(samples, "switchyard_deployment_cooldowns_total", labels);
    expect(cooldowns({ model_group: "flaky", deployment: "flaky-a" })).toBe(1);
    expect(cooldowns({ model_group: "flaky", deployment: "flaky-b" })).toBe(1);
    expect(cooldowns({ model_group: "pair", deployment: "pair-bad" })).toBe(1);
    expect(cooldowns({})).toBe(3);

    // Histograms: every success has a duration; overhead for unary ones; time to first token for the stream.
    expect(total(samples, "switchyard_request_duration_seconds_count")).toBe(7);
    expect(total(samples, "switchyard_overhead_seconds_count")).toBe(6);
    expect(total(samples, "switchyard_time_to_first_token_seconds_count")).toBe(1);
    expect(total(samples, "switchyard_time_to_first_token_seconds_count", { model_group: "gpt-test" })).toBe(
      1,
    );

    const answered = [...successes, fellBack, pairFirst, pairSecond];
    const promptTokens =
      answered.reduce((sum, answer) => sum + answer.body.usage!.prompt_tokens, 0) + streamUsage.prompt_tokens;
    const completionTokens =
      answered.reduce((sum, answer) => sum + answer.body.usage!.completion_tokens, 0) +
      streamUsage.completion_tokens;
    expect(total(samples, "switchyard_input_tokens_total")).toBe(promptTokens);
    expect(total(samples, "switchyard_output_tokens_total")).toBe(completionTokens);

    // The stream's cost is not in a REST header (it is known only at its end): priced here from list prices.
    const headerCost = answered.reduce(
      (sum, answer) => sum + Number(answer.headers.get("x-switchyard-response-cost")),
      0,
    );
    const streamCost = (streamUsage.prompt_tokens * 0.15 + streamUsage.completion_tokens * 0.6) / 1e6;
    expect(headerCost).toBeGreaterThan(0);
    expect(total(samples, "switchyard_spend_usd_total")).toBeCloseTo(headerCost + streamCost, 10);
    expect(total(samples, "switchyard_spend_usd_total", { deployment: "pair-good" })).toBeCloseTo(
      Number(pairFirst.headers.get("x-switchyard-response-cost")) * 2,
      10,
    );

    expect(total(samples, "switchyard_requests_in_flight")).toBe(0);
    // The process's own metrics come along.
    expect(samples.some((sample) => sample.name === "process_cpu_user_seconds_total")).toBe(true);
    expect(samples.some((sample) => sample.name === "nodejs_eventloop_lag_seconds")).toBe(true);
  }, 20_000);

  it("shows calls in flight while they run", async () => {
    const gateway = await start();
    const abort = new AbortController();
    const before = upstream.requests.length;
    const pending = chat(gateway, "hanging", abort.signal).catch(() => undefined);
    // Once the upstream has the request, the call is in flight until the caller gives up.
    await until(() => upstream.requests.length > before);
    expect(total(await scrape(gateway.url), "switchyard_requests_in_flight")).toBe(1);
    abort.abort();
    await pending;
    const after = await scrapeWhen(
      gateway.url,
      (samples) => total(samples, "switchyard_requests_total") === 1,
    );
    expect(total(after, "switchyard_requests_in_flight")).toBe(0);
    expect(total(after, "switchyard_requests_total", { model_group: "hanging", status_code: "499" })).toBe(1);
  });

  it("keeps a registry per gateway: two gateways in one process count apart", async () => {
    const first = await start();
    const second = await start();
    await chat(first, "gpt-test");
    await chat(first, "gpt-test");
    await chat(second, "gpt-test");
    expect(total(await scrape(first.url), "switchyard_requests_total")).toBe(2);
    expect(total(await scrape(second.url), "switchyard_requests_total")).toBe(1);
  });

  it("never turns a caller's made-up model name into a label value", async () => {
    const gateway = await start();
    for (const name of ["made-up-1", "made-up-2", "made-up-3"])
      expect((await chat(gateway, name)).status).toBe(404);
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(text).not.toContain("made-up");
    expect(total(parseSamples(text), "switchyard_requests_total", { model_group: "unknown" })).toBe(3);
  });
});

describe("who may scrape /metrics", () => {
  it("is open by default, as LiteLLM's is, even with a master key", async () => {
    const gateway = await start();
    const response = await fetch(`${gateway.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    expect(await response.text()).toContain("# TYPE switchyard_requests_total counter");
    expect((await fetch(`${gateway.url}/metrics/`)).status).toBe(200);
  });

  it("needs the master key with require_auth_for_metrics_endpoint", async () => {
    const gateway = await start(
      `${mixConfig()}litellm_settings:\n  require_auth_for_metrics_endpoint: true\n`,
    );
    const anonymous = await fetch(`${gateway.url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { type: string } }).error.type).toBe("authentication_error");
    expect(
      (await fetch(`${gateway.url}/metrics`, { headers: { authorization: "Bearer sk-wrong" } })).status,
    ).toBe(401);
    const samples = await scrape(gateway.url, { authorization: `Bearer ${MASTER_KEY}` });
    expect(samples.some((sample) => sample.name === "switchyard_requests_in_flight")).toBe(true);
  });

  it("answers other methods with 405", async () => {
    const gateway = await start();
    expect((await fetch(`${gateway.url}/metrics`, { method: "POST" })).status).toBe(405);
  });
});
