import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, startFixture, UPSTREAM_KEY } from "../helpers/fixture.js";
import { MASTER_KEY } from "../helpers/master-key.js";

let fixture: Fixture;
let client: OpenAI;

beforeAll(async () => {
  fixture = await startFixture();
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${fixture.gateway.url}/v1`, maxRetries: 0 });
});
afterAll(() => fixture.close());

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string" }, unit: { type: "string", enum: ["c", "f"] } },
      required: ["city"],
      additionalProperties: false,
    },
  },
};

describe("the official openai client against the gateway", () => {
  it("gets a chat completion answered by the upstream", async () => {
    const completion = await client.chat.completions.create({
      model: "gpt-test",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "hello there" },
      ],
      temperature: 0.3,
      max_tokens: 50,
    });
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0]?.message.content).toBe("echo: hello there");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage?.total_tokens).toBe(
      (completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0),
    );
  });

  it("sends the upstream the request it asked for, with the upstream's key, not the caller's", async () => {
    await client.chat.completions.create({
      model: "gpt-test",
      messages: [{ role: "user", content: "check the wire" }],
      temperature: 0.7,
      max_tokens: 64,
      seed: 42,
      stop: ["END"],
      user: "user-7",
      logit_bias: { "50256": -100 },
    });
    const sent = fixture.upstream.requests.at(-1)!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(sent.body).toMatchObject({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "check the wire" }],
      temperature: 0.7,
      max_tokens: 64,
      seed: 42,
      stop: ["END"],
      user: "user-7",
      logit_bias: { "50256": -100 },
    });
  });

  it("streams a chat completion chunk by chunk", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-test",
      messages: [{ role: "user", content: "stream these words please" }],
      stream: true,
    });
    const pieces: string[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      expect(chunk.object).toBe("chat.completion.chunk");
      for (const choice of chunk.choices) {
        if (choice.delta.content) pieces.push(choice.delta.content);
        if (choice.finish_reason) finish = choice.finish_reason;
      }
    }
    expect(pieces.length).toBeGreaterThan(2);
    expect(pieces.join("")).toBe("echo: stream these words please");
    expect(finish).toBe("stop");
  });

  it("ends a stream with a usage chunk when include_usage is asked for, and only then", async () => {
    const withUsage = await client.chat.completions.create({
      model: "gpt-test",
      messages: [{ role: "user", content: "count me" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of withUsage) chunks.push(chunk);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage?.completion_tokens).toBeGreaterThan(0);

    const without = await client.chat.completions.create({
      model: "gpt-test",
      messages: [{ role: "user", content: "count me" }],
      stream: true,
    });
    for await (const chunk of without) expect(chunk.usage ?? undefined).toBeUndefined();
  });

  it("round-trips a tool call: the model calls, the caller answers, the model uses the result", async () => {
    const first = await client.chat.completions.create({
      model: "gpt-test",
      messages: [{ role: "user", content: "weather in Paris" }],
      tools: [weatherTool],
      tool_choice: "auto",
    });
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call?.type).toBe("function");
    if (call?.type !== "function") throw new Error("expected a function call");
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toEqual({ query: "weather in Paris" });
    // The JSON schema reached the upstream intact.
    expect((fixture.upstream.requests.at(-1)!.body as { tools: unknown }).tools).toEqual([weatherTool]);

    const second = await client.chat.completions.create({
      model: "gpt-test",
      messages: [
        { role: "user", content: "weather in Paris" },
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: call.id, content: "18C and sunny" },
      ],
      tools: [weatherTool],
    });
    expect(second.choices[0]?.message.content).toBe("tool said: 18C and sunny");
    const sent = fixture.upstream.requests.at(-1)!.body as { messages: unknown[] };
    expect(sent.messages[1]).toEqual({ role: "assistant", content: null, tool_calls: [call] });
    expect(sent.messages[2]).toEqual({ role: "tool", tool_call_id: call.id, content: "18C and sunny" });
  });

  it("streams tool call arguments incrementally and reassembles them", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-test",
      messages: [{ role: "user", content: "weather in Oslo" }],
      tools: [weatherTool],
      stream: true,
    });
    let argumentsText = "";
    let fragments = 0;
    let name = "";
    for await (const chunk of stream) {
      for (const toolCall of chunk.choices[0]?.delta.tool_calls ?? []) {
        if (toolCall.function?.name) name = toolCall.function.name;
        if (toolCall.function?.arguments) {
          argumentsText += toolCall.function.arguments;
          fragments++;
        }
      }
    }
    expect(name).toBe("get_weather");
    expect(fragments).toBeGreaterThan(1);
    expect(JSON.parse(argumentsText)).toEqual({ query: "weather in Oslo" });
  });

  it("sends images as multi-part content", async () => {
    await client.chat.completions.create({
      model: "gpt-test",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "what is this" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=", detail: "low" } },
          ],
        },
      ],
    });
    expect((fixture.upstream.requests.at(-1)!.body as { messages: unknown[] }).messages[0]).toEqual({
      role: "user",
      content: [
        { type: "text", text: "what is this" },
        { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=", detail: "low" } },
      ],
    });
  });

  it("returns embeddings in base64 (the SDK's default) and as floats, with the same values", async () => {
    const base64 = await client.embeddings.create({ model: "gpt-test", input: ["alpha", "beta"] });
    const floats = await client.embeddings.create({
      model: "gpt-test",
      input: ["alpha", "beta"],
      encoding_format: "float",
    });
    expect(base64.data).toHaveLength(2);
    expect(base64.data[0]?.embedding.length).toBeGreaterThan(0);
    expect(base64.data.map((item) => item.embedding)).toEqual(floats.data.map((item) => item.embedding));
    expect(base64.data[0]?.embedding).not.toEqual(base64.data[1]?.embedding);
    expect(floats.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it("lists the configured model groups and fetches one", async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toContain("gpt-test");
    expect(models).toContain("canned");
    const model = await client.models.retrieve("gpt-test");
    expect(model).toMatchObject({ id: "gpt-test", object: "model", owned_by: "openai" });
  });

  it("answers mock_response models locally", async () => {
    const before = fixture.upstream.requests.length;
    const completion = await client.chat.completions.create({
      model: "canned",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(completion.choices[0]?.message.content).toBe("Hello from the canned model.");
    expect(fixture.upstream.requests.length).toBe(before);
  });

  it("reports the route and the gateway's overhead in LiteLLM's response headers", async () => {
    const { response } = await client.chat.completions
      .create({ model: "gpt-test", messages: [{ role: "user", content: "headers" }] })
      .withResponse();
    expect(response.headers.get("x-litellm-model-group")).toBe("gpt-test");
    expect(response.headers.get("x-litellm-model-id")).toMatch(/^[0-9a-f]{8,}/);
    expect(response.headers.get("x-litellm-call-id")).toMatch(/^[0-9a-f-]{36}$/);
    const overhead = Number(response.headers.get("x-litellm-overhead-duration-ms"));
    expect(overhead).toBeGreaterThanOrEqual(0);
    expect(overhead).toBeLessThan(1000);
  });

  it("reuses pooled keep-alive connections to the upstream", async () => {
    const before = fixture.upstream.connections;
    for (let index = 0; index < 20; index++) {
      await client.chat.completions.create({
        model: "gpt-test",
        messages: [{ role: "user", content: "pool" }],
      });
    }
    expect(fixture.upstream.connections - before).toBeLessThanOrEqual(1);
  });

  it("returns upstream connections to the pool after streams too", async () => {
    const before = fixture.upstream.connections;
    for (let index = 0; index < 10; index++) {
      const stream = await client.chat.completions.create({
        model: "gpt-test",
        messages: [{ role: "user", content: "pooled stream" }],
        stream: true,
      });
      for await (const _chunk of stream) {
        // drain
      }
    }
    expect(fixture.upstream.connections - before).toBeLessThanOrEqual(1);
  });
});
