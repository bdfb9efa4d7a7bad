import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, startFixture } from "../helpers/fixture.js";
import { MASTER_KEY } from "../helpers/master-key.js";

let fixture: Fixture;
let client: Anthropic;

beforeAll(async () => {
  fixture = await startFixture();
  client = new Anthropic({ apiKey: MASTER_KEY, baseURL: fixture.gateway.url, maxRetries: 0 });
});
afterAll(() => fixture.close());

const weatherTool = {
  name: "get_weather",
  description: "Current weather for a city",
  input_schema: {
    type: "object" as const,
    properties: { query: { type: "string" } },
    required: ["query"],
  },
};

/** The body of the last request the fake OpenAI upstream received. */
function lastUpstreamBody(): Record<string, unknown> {
  return fixture.upstream.requests.at(-1)!.body as Record<string, unknown>;
}

describe("the official Anthropic client against /v1/messages", () => {
  it("creates a message answered by an OpenAI upstream, with the system prompt as a system message", async () => {
    const message = await client.messages.create({
      model: "gpt-test",
      max_tokens: 100,
      system: "Be brief.",
      messages: [{ role: "user", content: "hello there" }],
    });
    expect(message.type).toBe("message");
    expect(message.role).toBe("assistant");
    expect(message.content).toEqual([{ type: "text", text: "echo: hello there", citations: null }]);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage.output_tokens).toBe(3);
    expect(message.usage.input_tokens).toBe(4);

    const sent = lastUpstreamBody();
    expect(sent.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "hello there" },
    ]);
    expect(sent.max_tokens).toBe(100);
  });

  it("reports max_tokens as the stop reason when the answer was cut", async () => {
    const message = await client.messages.create({
      model: "gpt-test",
      max_tokens: 2,
      messages: [{ role: "user", content: "one two three" }],
    });
    expect(message.stop_reason).toBe("max_tokens");
  });

  it("streams with messages.stream() to a final message", async () => {
    const stream = client.messages.stream({
      model: "gpt-test",
      max_tokens: 100,
      messages: [{ role: "user", content: "stream me please" }],
    });
    const texts: string[] = [];
    stream.on("text", (text) => texts.push(text));
    const message = await stream.finalMessage();
    expect(message.content).toEqual([{ type: "text", text: "echo: stream me please" }]);
    expect(texts.join("")).toBe("echo: stream me please");
    expect(texts.length).toBeGreaterThan(1);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage).toMatchObject({ input_tokens: 3, output_tokens: 4 });
  });

  it("streams the exact raw event sequence the API sends", async () => {
    const stream = await client.messages.create({
      model: "gpt-test",
      max_tokens: 100,
      messages: [{ role: "user", content: "two words" }],
      stream: true,
    });
    const types: string[] = [];
    for await (const event of stream) {
      if (event.type === "content_block_delta") {
        if (types.at(-1) !== "content_block_delta") types.push(event.type);
      } else types.push(event.type);
      if (event.type === "message_delta") {
        expect(event.delta.stop_reason).toBe("end_turn");
        expect(event.usage.output_tokens).toBe(3);
      }
    }
    expect(types).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
  });

  it("round-trips tool use: a tool_use block out, a tool_result back in", async () => {
    const first = await client.messages.create({
      model: "gpt-test",
      max_tokens: 100,
      tools: [weatherTool],
      messages: [{ role: "user", content: "weather in Paris?" }],
    });
    expect(first.stop_reason).toBe("tool_use");
    const toolUse = first.content.find((block) => block.type === "tool_use");
    expect(toolUse).toMatchObject({
      type: "tool_use",
      name: "get_weather",
      input: { query: "weather in Paris?" },
    });
    expect(lastUpstreamBody().tools).toEqual([
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "Current weather for a city",
          parameters: weatherTool.input_schema,
        },
      },
    ]);

    const second = await client.messages.create({
      model: "gpt-test",
      max_tokens: 100,
      tools: [weatherTool],
      messages: [
        { role: "user", content: "weather in Paris?" },
        { role: "assistant", content: first.content },
        {
          role: "user",
          content: [
            {
              type: "tool_result",
              tool_use_id: toolUse!.type === "tool_use" ? toolUse!.id : "",
              content: "21C",
            },
          ],
        },
      ],
    });
    expect(second.content).toEqual([{ type: "text", text: "tool said: 21C", citations: null }]);
    const messages = lastUpstreamBody().messages as Record<string, unknown>[];
    expect(messages[1]).toMatchObject({
      role: "assistant",
      tool_calls: [
        { type: "function", function: { name: "get_weather", arguments: '{"query":"weather in Paris?"}' } },
      ],
    });
    expect(messages[2]).toEqual({
      role: "tool",
      tool_call_id: toolUse!.type === "tool_use" ? toolUse!.id : "",
      content: "21C",
    });
  });

  it("streams tool use with input_json_delta into a parsed input", async () => {
    const stream = client.messages.stream({
      model: "gpt-test",
      max_tokens: 100,
      tools: [weatherTool],
      tool_choice: { type: "tool", name: "get_weather" },
      messages: [{ role: "user", content: "weather in Rome?" }],
    });
    const fragments: string[] = [];
    stream.on("inputJson", (fragment) => fragments.push(fragment));
    const message = await stream.finalMessage();
    expect(message.stop_reason).toBe("tool_use");
    expect(message.content).toHaveLength(1);
    expect(message.content[0]).toMatchObject({
      type: "tool_use",
      name: "get_weather",
      input: { query: "weather in Rome?" },
    });
    expect(fragments.length).toBeGreaterThan(1);
    expect(lastUpstreamBody().tool_choice).toEqual({ type: "function", function: { name: "get_weather" } });
  });

  it("counts tokens with a local estimate", async () => {
    const count = await client.messages.countTokens({
      model: "gpt-test",
      system: "Be brief.",
      messages: [{ role: "user", content: "How many tokens is this sentence, roughly?" }],
    });
    expect(count.input_tokens).toBeGreaterThan(5);
    expect(count.input_tokens).toBeLessThan(40);
  });
});

describe("auth and errors in Anthropic's shape", () => {
  it("accepts the key as x-api-key, with the 2023-06-01 API version", async () => {
    const legacy = new Anthropic({
      apiKey: null,
      authToken: null,
      baseURL: fixture.gateway.url,
      maxRetries: 0,
      defaultHeaders: { "x-api-key": MASTER_KEY, "anthropic-version": "2023-06-01" },
    });
    const message = await legacy.messages.create({
      model: "gpt-test",
      max_tokens: 50,
      messages: [{ role: "user", content: "by x-api-key" }],
    });
    expect(message.content[0]).toMatchObject({ type: "text", text: "echo: by x-api-key" });
  });

  it("rejects a wrong key with AuthenticationError", async () => {
    const wrong = new Anthropic({ apiKey: "sk-wrong-key", baseURL: fixture.gateway.url, maxRetries: 0 });
    await expect(
      wrong.messages.create({ model: "gpt-test", max_tokens: 5, messages: [{ role: "user", content: "x" }] }),
    ).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
  });

  it("answers an unknown model with NotFoundError, for messages and count_tokens", async () => {
    await expect(
      client.messages.create({
        model: "no-such-model",
        max_tokens: 5,
        messages: [{ role: "user", content: "x" }],
      }),
    ).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    await expect(
      client.messages.countTokens({ model: "no-such-model", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  });

  it("answers a malformed body with BadRequestError and Anthropic's error JSON", async () => {
    await expect(
      client.messages.create({ model: "gpt-test", max_tokens: 5, messages: [] }),
    ).rejects.toBeInstanceOf(Anthropic.BadRequestError);

    const response = await fetch(`${fixture.gateway.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": MASTER_KEY },
      body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "no max_tokens" }] }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      type: string;
      error: { type: string; message: string };
      request_id: string;
    };
    expect(body.type).toBe("error");
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toContain("max_tokens");
    expect(body.request_id).toMatch(/^req_/);
    expect(response.headers.get("request-id")).toBe(body.request_id);
  });

  it("answers upstream failures with Anthropic's rate-limit and api errors", async () => {
    const rateLimited = client.messages.create({
      model: "rate-limited",
      max_tokens: 5,
      messages: [{ role: "user", content: "x" }],
    });
    await expect(rateLimited).rejects.toBeInstanceOf(Anthropic.RateLimitError);
    await expect(rateLimited).rejects.toMatchObject({
      status: 429,
      error: { error: { type: "rate_limit_error" } },
    });

    const failed = client.messages.create({
      model: "server-error",
      max_tokens: 5,
      messages: [{ role: "user", content: "x" }],
    });
    await expect(failed).rejects.toBeInstanceOf(Anthropic.InternalServerError);
    await expect(failed).rejects.toMatchObject({ status: 502, error: { error: { type: "api_error" } } });
  });

  it("sends a failure after the stream began as an error event the SDK raises", async () => {
    const stream = client.messages.stream({
      model: "broken-stream",
      max_tokens: 100,
      messages: [{ role: "user", content: "hello there" }],
    });
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIError);
  });
});
