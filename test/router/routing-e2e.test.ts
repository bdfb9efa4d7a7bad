import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Role } from "../../gen/switchyard/v1/chat_pb.js";
import { CompletionService } from "../../gen/switchyard/v1/completion_pb.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";

let upstream: FakeOpenAI;
let gateway: RunningGateway | undefined;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
});
afterAll(() => upstream.close());
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

/** One model_list entry on the fake upstream; `fault` is the fake's model name (its behaviour). */
function entry(group: string, id: string, fault: string, params = ""): string {
  return `  - model_name: ${group}
    litellm_params: { model: openai/${fault}, api_base: ${upstream.url}, api_key: sk-test${params ? `, ${params}` : ""} }
    model_info: { id: ${id} }
`;
}

async function start(entries: string[], routerSettings = ""): Promise<RunningGateway> {
  gateway = await startGateway(
    `model_list:\n${entries.join("")}router_settings:\n${routerSettings || "  {}"}\n`,
  );
  return gateway;
}

interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

async function chat(model: string, stream = false): Promise<Answer> {
  const response = await fetch(`${gateway!.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, stream, messages: [{ role: "user", content: "hello" }] }),
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/** Upstream requests for one fake model name (a deployment's behaviour), so far. */
function upstreamCalls(fault: string): number {
  return upstream.requests.filter((request) => (request.body as { model?: string })?.model === fault).length;
}

describe("routing across deployments", () => {
  it("splits traffic by weight (600 calls at 3:1, within 4 standard deviations)", async () => {
    await start([
      entry("split", "heavy", "gpt-4o", "weight: 3"),
      entry("split", "light", "gpt-4o-mini", "weight: 1"),
    ]);
    const calls = 600;
    const served: string[] = [];
    for (let batch = 0; batch < calls / 50; batch++) {
      const answers = await Promise.all(Array.from({ length: 50 }, () => chat("split")));
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        served.push(answer.headers.get("x-litellm-model-id")!);
      }
    }
    const heavy = served.filter((id) => id === "heavy").length;
    const expected = calls * 0.75;
    const sd = Math.sqrt(calls * 0.75 * 0.25);
    expect(Math.abs(heavy - expected)).toBeLessThan(4 * sd);
    expect(heavy + served.filter((id) => id === "light").length).toBe(calls);
  }, 30_000);

  it("cools a failing deployment down and moves traffic away from it", async () => {
    await start(
      [entry("cool", "bad", "error-500"), entry("cool", "good", "gpt-4o")],
      "  allowed_fails: 1\n  cooldown_time: 60",
    );
    const before = upstreamCalls("error-500");
    const answers: Answer[] = [];
    for (let call = 0; call < 30; call++) answers.push(await chat("cool"));
    // The draw is random: "bad" reaches its allowed_fails + 1 = 2 failures at some point (missing
    // that in 30 even draws has a chance of ~3e-8), is cooled down, and "good" takes everything after.
    const failed = answers.flatMap((answer, index) => (answer.status === 200 ? [] : [index]));
    expect(failed).toHaveLength(2);
    expect(upstreamCalls("error-500") - before).toBe(2);
    const afterCooldown = answers.slice(failed[1]! + 1);
    expect(afterCooldown.every((answer) => answer.headers.get("x-litellm-model-id") === "good")).toBe(true);
  });

  it("retries on the healthy deployment and says so in the headers", async () => {
    await start(
      [entry("retry", "broken", "error-503", "order: 1"), entry("retry", "healthy", "gpt-4o", "order: 2")],
      "  num_retries: 2",
    );
    const answer = await chat("retry");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("x-litellm-model-id")).toBe("healthy");
    expect(answer.headers.get("x-litellm-attempted-retries")).toBe("1");
    expect(answer.headers.get("x-litellm-attempted-fallbacks")).toBe("0");
    expect(answer.headers.get("x-litellm-model-group")).toBe("retry");
  });

  it("falls back to another group when the group fails", async () => {
    await start(
      [entry("primary", "p1", "error-500"), entry("backup", "b1", "gpt-4o-mini")],
      "  fallbacks: [{primary: [backup]}]",
    );
    const answer = await chat("primary");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("x-litellm-attempted-fallbacks")).toBe("1");
    expect(answer.headers.get("x-litellm-model-group")).toBe("backup");
    expect(answer.headers.get("x-litellm-model-id")).toBe("b1");
  });

  it("falls back to a larger context window when the upstream says the context is too long", async () => {
    await start(
      [entry("small", "s1", "error-context"), entry("large", "l1", "gpt-4o"), entry("other", "o1", "gpt-4o")],
      "  fallbacks: [{small: [other]}]\n  context_window_fallbacks: [{small: [large]}]",
    );
    const answer = await chat("small");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("x-litellm-model-group")).toBe("large");
  });

  it("uses default_fallbacks for groups without their own", async () => {
    await start(
      [entry("lonely", "x1", "error-503"), entry("safety-net", "n1", "gpt-4o")],
      "  default_fallbacks: [safety-net]",
    );
    const answer = await chat("lonely");
    expect(answer.headers.get("x-litellm-model-group")).toBe("safety-net");
  });
});

describe("timeouts", () => {
  it("gives up on a slow deployment after its timeout and retries on another", async () => {
    await start(
      [
        entry("timed", "slow", "slow-3000", "timeout: 0.2, order: 1"),
        entry("timed", "quick", "gpt-4o", "order: 2"),
      ],
      "  num_retries: 1",
    );
    const started = performance.now();
    const answer = await chat("timed");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("x-litellm-model-id")).toBe("quick");
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("answers 504 when the only deployment misses the router-wide timeout", async () => {
    await start([entry("sluggish", "s", "slow-3000")], "  timeout: 0.2");
    const started = performance.now();
    const answer = await chat("sluggish");
    expect(answer.status).toBe(504);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("rate limits", () => {
  it("waits at least the upstream's retry-after before retrying the same deployment", async () => {
    await start([entry("throttled", "t", "error-429-300")], "  num_retries: 1");
    const before = upstreamCalls("error-429-300");
    const started = performance.now();
    const answer = await chat("throttled");
    const elapsed = performance.now() - started;
    expect(answer.status).toBe(429);
    expect(upstreamCalls("error-429-300") - before).toBe(2);
    expect(elapsed).toBeGreaterThanOrEqual(300);
  });

  it("sends no more than rpm calls a minute to a deployment, then another, then 429", async () => {
    await start([
      entry("metered", "m1", "gpt-4o", "rpm: 3"),
      entry("metered", "m2", "gpt-4o-mini", "rpm: 2"),
    ]);
    const answers: Answer[] = [];
    for (let call = 0; call < 7; call++) answers.push(await chat("metered"));
    const served = answers
      .filter((answer) => answer.status === 200)
      .map((answer) => answer.headers.get("x-litellm-model-id"));
    expect(served.filter((id) => id === "m1")).toHaveLength(3);
    expect(served.filter((id) => id === "m2")).toHaveLength(2);
    const refused = answers.filter((answer) => answer.status === 429);
    // Calls may straddle a minute boundary, when the counters start again.
    if (served.length === 5) {
      expect(refused).toHaveLength(2);
      expect(refused[0]!.body).toMatch(/model group `metered`.*rpm\/tpm limit/);
      expect(Number(refused[0]!.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(Number(refused[0]!.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    }
  });
});

describe("every deployment down", () => {
  it("answers the next calls with a 503 naming the group at once, without calling upstream", async () => {
    await start(
      [entry("down", "d1", "error-500"), entry("down", "d2", "error-503")],
      "  num_retries: 1\n  allowed_fails: 0\n  cooldown_time: 60",
    );
    const first = await chat("down");
    expect(first.status).toBe(502);
    const before = upstream.requests.length;
    const started = performance.now();
    const answer = await chat("down");
    expect(performance.now() - started).toBeLessThan(250);
    expect(answer.status).toBe(503);
    expect(answer.body).toMatch(/model group `down` is cooling down/);
    expect(upstream.requests.length).toBe(before);
  });
});

describe("streams", () => {
  it("fall back before the first chunk", async () => {
    await start(
      [entry("s-primary", "sp", "error-500"), entry("s-backup", "sb", "gpt-4o")],
      "  fallbacks: [{s-primary: [s-backup]}]",
    );
    const answer = await chat("s-primary", true);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("x-litellm-attempted-fallbacks")).toBe("1");
    expect(answer.headers.get("x-litellm-model-id")).toBe("sb");
    expect(answer.body).toContain("data: [DONE]");
  });

  it("are never retried once output has begun", async () => {
    await start(
      [entry("s-mid", "m", "error-mid-stream"), entry("s-spare", "x", "gpt-4o")],
      "  num_retries: 3\n  fallbacks: [{s-mid: [s-spare]}]",
    );
    const before = upstreamCalls("error-mid-stream");
    const spareBefore = upstreamCalls("gpt-4o");
    const answer = await chat("s-mid", true);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatch(/"error"/);
    expect(upstreamCalls("error-mid-stream") - before).toBe(1);
    expect(upstreamCalls("gpt-4o")).toBe(spareBefore);
  });
});

describe("Connect callers", () => {
  it("get the same route headers as response metadata", async () => {
    await start(
      [
        entry("rpc", "rpc-broken", "error-500", "order: 1"),
        entry("rpc", "rpc-healthy", "gpt-4o", "order: 2"),
      ],
      "  num_retries: 1",
    );
    const client = createClient(
      CompletionService,
      createConnectTransport({ baseUrl: gateway!.url, httpVersion: "1.1" }),
    );
    let headers: Headers | undefined;
    const completion = await client.createChatCompletion(
      { model: "rpc", messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "hi" } }] }] },
      { onHeader: (received) => (headers = received) },
    );
    expect(completion.route?.deploymentId).toBe("rpc-healthy");
    expect(headers?.get("x-litellm-model-id")).toBe("rpc-healthy");
    expect(headers?.get("x-litellm-attempted-retries")).toBe("1");
  });
});
