import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeAnthropic, startFakeAnthropic } from "../fakes/anthropic-upstream.js";
import { UPSTREAM_KEY } from "../helpers/fixture.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";

let upstream: FakeAnthropic;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeAnthropic({ apiKey: UPSTREAM_KEY });
  const entry = (name: string, model: string, extra = "") =>
    `  - model_name: ${name}\n    litellm_params:\n      model: anthropic/${model}\n      api_base: ${upstream.url}\n      api_key: os.environ/UPSTREAM_KEY\n${extra}`;
  const yaml = [
    "general_settings:",
    "  master_key: os.environ/TEST_MASTER_KEY",
    "model_list:",
    entry("claude", "claude-sonnet-4-5"),
    entry("claude-3", "claude-3-haiku-20240307"),
    // LiteLLM configs often carry a trailing /v1; and the newest API version rejects temperature.
    `  - model_name: claude-new\n    litellm_params:\n      model: anthropic/claude-opus-5\n      api_base: ${upstream.url}/v1\n      api_key: os.environ/UPSTREAM_KEY\n      api_version: "2026-10-21"\n`,
    entry("rate-limited", "error-429"),
    entry("overloaded", "error-529"),
    entry("server-error", "error-500"),
    entry("bad-request", "error-400"),
    entry("too-long", "error-context"),
    entry("broken-stream", "error-mid-stream"),
    entry("hanging", "hang", "      timeout: 0.2\n"),
    entry("slow-stream", "slow-stream-20"),
  ].join("\n");
  gateway = await startGateway(yaml, { UPSTREAM_KEY, TEST_MASTER_KEY: MASTER_KEY });
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: { type: "object", properties: { query: { type: "string" } }, required: ["query"] },
  },
};

/** The body of the last request the fake Anthropic upstream received. */
function lastUpstreamBody(): Record<string, unknown> {
  return upstream.requests.at(-1)!.body as Record<string, unknown>;
}

describe("the openai client against an Anthropic deployment", () => {
  it("gets a completion, with system and developer messages sent as Anthropic's top-level system", async () => {
    const completion = await client.chat.completions.create({
      model: "claude",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "developer", content: "Answer in English." },
        { role: "user", content: "hello there" },
      ],
      temperature: 0.2,
    });
    expect(completion.choices[0]?.message.content).toBe("echo: hello there");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage).toMatchObject({
      completion_tokens: 3,
      total_tokens: completion.usage!.prompt_tokens + 3,
    });

    const sent = upstream.requests.at(-1)!;
    expect(sent.path).toBe("/v1/messages");
    expect(sent.headers["x-api-key"]).toBe(UPSTREAM_KEY);
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.headers["anthropic-version"]).toBe("2023-06-01");
    expect(sent.body).toEqual({
      model: "claude-sonnet-4-5",
      max_tokens: 32000,
      system: [
        { type: "text", text: "Be brief." },
        { type: "text", text: "Answer in English." },
      ],
      messages: [{ role: "user", content: "hello there" }],
      temperature: 0.2,
    });
  });

  it("sends the caller's max_tokens and stop sequences, and maps the stop reasons", async () => {
    const stopped = await client.chat.completions.create({
      model: "claude-3",
      messages: [{ role: "user", content: "one two three END four" }],
      stop: ["END"],
    });
    expect(stopped.choices[0]?.message.content).toBe("echo: one two three ");
    expect(stopped.choices[0]?.finish_reason).toBe("stop");
    expect(lastUpstreamBody()).toMatchObject({ max_tokens: 4096, stop_sequences: ["END"] });

    const cut = await client.chat.completions.create({
      model: "claude",
      messages: [{ role: "user", content: "one two three four" }],
      max_tokens: 2,
    });
    expect(cut.choices[0]?.finish_reason).toBe("length");
    expect(lastUpstreamBody().max_tokens).toBe(2);
  });

  it("tolerates an api_base ending in /v1 and leaves temperature out under API version 2026-10-21", async () => {
    const completion = await client.chat.completions.create({
      model: "claude-new",
      messages: [{ role: "user", content: "new api" }],
      temperature: 0.5,
      top_p: 0.9,
    });
    expect(completion.choices[0]?.message.content).toBe("echo: new api");
    const sent = upstream.requests.at(-1)!;
    expect(sent.path).toBe("/v1/messages");
    expect(sent.headers["anthropic-version"]).toBe("2026-10-21");
    expect(sent.body).not.toHaveProperty("temperature");
    expect(sent.body).not.toHaveProperty("top_p");
  });

  it("streams text as chat.completion.chunk deltas, with usage when asked", async () => {
    const stream = await client.chat.completions.create({
      model: "claude",
      messages: [{ role: "user", content: "stream me please" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finishReason: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("echo: stream me please");
    expect(finishReason).toBe("stop");
    expect(usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    expect(lastUpstreamBody().stream).toBe(true);
  });

  it("round-trips tool calls: tool_use out, tool results back as one user turn of tool_result blocks", async () => {
    const first = await client.chat.completions.create({
      model: "claude",
      messages: [{ role: "user", content: "weather in Paris?" }],
      tools: [weatherTool],
      tool_choice: "required",
    });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call?.type === "function" && call.function).toEqual({
      name: "get_weather",
      arguments: '{"query":"weather in Paris?"}',
    });
    expect(lastUpstreamBody()).toMatchObject({
      tools: [
        {
          name: "get_weather",
          description: "Current weather for a city",
          input_schema: weatherTool.function.parameters,
        },
      ],
      tool_choice: { type: "any" },
    });

    const second = await client.chat.completions.create({
      model: "claude",
      messages: [
        { role: "user", content: "weather in Paris and Oslo?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "toolu_a",
              type: "function",
              function: { name: "get_weather", arguments: '{"query":"Paris"}' },
            },
            {
              id: "toolu_b",
              type: "function",
              function: { name: "get_weather", arguments: '{"query":"Oslo"}' },
            },
          ],
        },
        { role: "tool", tool_call_id: "toolu_a", content: "21C" },
        { role: "tool", tool_call_id: "toolu_b", content: "12C" },
      ],
      tools: [weatherTool],
    });
    expect(second.choices[0]?.message.content).toBe("tool said: 12C");
    expect(lastUpstreamBody().messages).toEqual([
      { role: "user", content: "weather in Paris and Oslo?" },
      {
        role: "assistant",
        content: [
          { type: "tool_use", id: "toolu_a", name: "get_weather", input: { query: "Paris" } },
          { type: "tool_use", id: "toolu_b", name: "get_weather", input: { query: "Oslo" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_a", content: "21C" },
          { type: "tool_result", tool_use_id: "toolu_b", content: "12C" },
        ],
      },
    ]);
  });

  it("streams a tool call with its arguments in fragments", async () => {
    const stream = await client.chat.completions.create({
      model: "claude",
      messages: [{ role: "user", content: "weather in Rome?" }],
      tools: [weatherTool],
      stream: true,
    });
    const fragments: string[] = [];
    let id: string | undefined;
    let name: string | undefined;
    let finishReason: string | null = null;
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        expect(call.index).toBe(0);
        id ??= call.id;
        name ??= call.function?.name;
        if (call.function?.arguments) fragments.push(call.function.arguments);
      }
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
    }
    expect(id).toMatch(/^toolu_fake/);
    expect(name).toBe("get_weather");
    expect(fragments.length).toBeGreaterThan(1);
    expect(JSON.parse(fragments.join(""))).toEqual({ query: "weather in Rome?" });
    expect(finishReason).toBe("tool_calls");
  });
});

describe("Anthropic upstream errors", () => {
  const post = async (model: string) => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${MASTER_KEY}` },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
    });
    const body = (await response.json()) as { error: { message: string; type: string; code: string | null } };
    return { status: response.status, headers: response.headers, error: body.error };
  };

  it("answers a 429 with 429 and the upstream's retry-after", async () => {
    const result = await post("rate-limited");
    expect(result.status).toBe(429);
    expect(result.headers.get("retry-after")).toBe("1");
    expect(result.error.type).toBe("rate_limit_error");
    await expect(
      client.chat.completions.create({ model: "rate-limited", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toBeInstanceOf(OpenAI.RateLimitError);
  });

  it("answers a 529 overloaded and a 500 with 502", async () => {
    const overloaded = await post("overloaded");
    expect(overloaded.status).toBe(502);
    expect(overloaded.error.message).toBe("Overloaded");
    expect((await post("server-error")).status).toBe(502);
  });

  it("passes a 400 through with the upstream's message", async () => {
    const result = await post("bad-request");
    expect(result.status).toBe(400);
    expect(result.error.type).toBe("invalid_request_error");
    expect(result.error.message).toContain("max_tokens: 999999");
  });

  it("marks a prompt-too-long 400 as context_length_exceeded", async () => {
    const result = await post("too-long");
    expect(result.status).toBe(400);
    expect(result.error.code).toBe("context_length_exceeded");
    expect(result.error.message).toContain("prompt is too long");
  });

  it("answers an upstream that never answers with 504 once the deployment's timeout passes", async () => {
    const result = await post("hanging");
    expect(result.status).toBe(504);
    expect(result.error.type).toBe("timeout_error");
  });

  it("relays a slow stream as it comes", async () => {
    const stream = await client.chat.completions.create({
      model: "slow-stream",
      messages: [{ role: "user", content: "slowly now" }],
      stream: true,
    });
    const arrivals: number[] = [];
    let text = "";
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content;
      if (content) {
        arrivals.push(performance.now());
        text += content;
      }
    }
    expect(text).toBe("echo: slowly now");
    // The fake waits 20 ms between events: the pieces were not buffered into one.
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(30);
  });

  it("raises an error event after the stream began as an APIError in the stream", async () => {
    const stream = await client.chat.completions.create({
      model: "broken-stream",
      messages: [{ role: "user", content: "hello there" }],
      stream: true,
    });
    let text = "";
    const reading = (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })();
    await expect(reading).rejects.toBeInstanceOf(OpenAI.APIError);
    expect(text).toBe("echo:");
  });
});
