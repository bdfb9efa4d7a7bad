import OpenAI from "openai";
import { Client } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fakeEmbedding } from "./openai-embedding.js";
import { type FakeOpenAI, startFakeOpenAI } from "./openai-upstream.js";

/** The fake itself is a dependency of every gateway test: these pin it to what the real SDK expects. */
describe("fake OpenAI upstream", () => {
  let fake: FakeOpenAI;
  let client: OpenAI;

  beforeEach(async () => {
    fake = await startFakeOpenAI({ apiKey: "sk-test" });
    client = new OpenAI({ apiKey: "sk-test", baseURL: fake.url, maxRetries: 0 });
  });
  afterEach(async () => {
    await fake.close();
  });

  const weatherTool = {
    type: "function" as const,
    function: {
      name: "get_weather",
      parameters: { type: "object", properties: { query: { type: "string" } } },
    },
  };

  it("answers a chat completion derived from the request and records it", async () => {
    const completion = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "hello there world" },
      ],
    });

    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe("gpt-4o-mini");
    expect(completion.choices[0]?.message.content).toBe("echo: hello there world");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]).toMatchObject({
      method: "POST",
      path: "/v1/chat/completions",
      headers: { authorization: "Bearer sk-test" },
      body: { model: "gpt-4o-mini" },
      aborted: false,
    });
  });

  it("streams the answer word by word, then a usage chunk, as OpenAI does", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "one two three" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks[0]?.choices[0]?.delta).toMatchObject({ role: "assistant", content: "" });
    const contents = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "");
    expect(contents.filter((content) => content !== "")).toEqual(["echo:", " one", " two", " three"]);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
  });

  it("calls the first tool, streaming its arguments in fragments", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "weather in Paris" }],
      tools: [weatherTool],
      stream: true,
    });
    const toolDeltas = [];
    let finishReason: string | null | undefined;
    for await (const chunk of stream) {
      toolDeltas.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
    }

    expect(toolDeltas[0]).toEqual({
      index: 0,
      id: "call_1",
      type: "function",
      function: { name: "get_weather", arguments: "" },
    });
    expect(toolDeltas.length).toBeGreaterThan(2);
    const argumentsText = toolDeltas.map((delta) => delta.function?.arguments ?? "").join("");
    expect(JSON.parse(argumentsText)).toEqual({ query: "weather in Paris" });
    expect(finishReason).toBe("tool_calls");
  });

  it("answers a tool result with its content", async () => {
    const completion = await client.chat.completions.create({
      model: "gpt-4o",
      tools: [weatherTool],
      messages: [
        { role: "user", content: "weather in Paris" },
        {
          role: "assistant",
          tool_calls: [
            { id: "call_9", type: "function", function: { name: "get_weather", arguments: "{}" } },
          ],
        },
        { role: "tool", tool_call_id: "call_9", content: "sunny" },
      ],
    });

    expect(completion.choices[0]?.message.content).toBe("tool said: sunny");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
  });

  it("returns base64 embeddings that decode to the same float32 vectors", async () => {
    const base64 = await client.embeddings.create({ model: "text-embedding-3-small", input: ["a", "b c"] });
    const floats = await client.embeddings.create({
      model: "text-embedding-3-small",
      input: ["a", "b c"],
      encoding_format: "float",
    });

    // The SDK asks for base64 when the caller does not choose (protocols.md §0.7).
    expect(fake.requests[0]?.body).toMatchObject({ encoding_format: "base64", input: ["a", "b c"] });
    expect(base64.data.map((item) => item.embedding)).toEqual([fakeEmbedding("a"), fakeEmbedding("b c")]);
    expect(floats.data.map((item) => item.embedding)).toEqual(base64.data.map((item) => item.embedding));
    expect(fakeEmbedding("a")).not.toEqual(fakeEmbedding("b c"));
    expect(base64.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
  });

  it("lists models", async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toContain("gpt-4o-mini");
  });

  it("rejects a wrong API key with a 401 in OpenAI's error shape", async () => {
    const intruder = new OpenAI({ apiKey: "sk-wrong", baseURL: fake.url, maxRetries: 0 });
    const error = await intruder.models.list().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: "invalid_api_key" });
  });

  it("answers error-429 with retry hints and error-context with its code", async () => {
    const messages = [{ role: "user" as const, content: "hi" }];
    const rateLimited = await client.chat.completions
      .create({ model: "error-429", messages })
      .catch((caught: unknown) => caught);
    expect(rateLimited).toBeInstanceOf(OpenAI.RateLimitError);
    const headers = (rateLimited as InstanceType<typeof OpenAI.RateLimitError>).headers;
    expect(headers.get("retry-after")).toBe("1");
    expect(headers.get("retry-after-ms")).toBe("20");

    const tooLong = await client.chat.completions
      .create({ model: "error-context", messages })
      .catch((caught: unknown) => caught);
    expect(tooLong).toBeInstanceOf(OpenAI.BadRequestError);
    expect(tooLong).toMatchObject({ code: "context_length_exceeded", param: "messages" });
  });

  it("fails a stream after its first chunks with error-mid-stream", async () => {
    const stream = await client.chat.completions.create({
      model: "error-mid-stream",
      messages: [{ role: "user", content: "a b c d" }],
      stream: true,
    });
    const received: unknown[] = [];
    const error = await (async () => {
      for await (const chunk of stream) received.push(chunk);
    })().catch((caught: unknown) => caught);

    expect(received).toHaveLength(3);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toContain("boom");
  });

  it("drops the connection with reset", async () => {
    const error = await client.chat.completions
      .create({ model: "reset", messages: [{ role: "user", content: "hi" }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(fake.requests[0]?.aborted).toBe(false);
  });

  it("keeps one connection alive across sequential requests", async () => {
    // undici's fetch may open a second socket before the first is back in its pool,
    // so a single-connection client shows what the fake does.
    const connection = new Client(fake.origin);
    for (const word of ["a", "b", "c"]) {
      const response = await connection.request({
        method: "POST",
        path: "/v1/chat/completions",
        headers: { authorization: "Bearer sk-test", "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: word }] }),
      });
      expect(await response.body.json()).toMatchObject({
        choices: [{ message: { content: `echo: ${word}` } }],
      });
    }
    await connection.close();
    expect(fake.connections).toBe(1);
  });

  it("reports a client that leaves in the middle of a slow stream", async () => {
    const stream = await client.chat.completions.create({
      model: "slow-stream-60000",
      messages: [{ role: "user", content: "take your time" }],
      stream: true,
    });
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value?.choices[0]?.delta.role).toBe("assistant");
    stream.controller.abort();

    const aborted = await fake.nextAbort();
    expect(aborted).toBe(fake.requests[0]);
    expect(aborted.aborted).toBe(true);
  });

  it("reports a client that gives up on a hanging request", async () => {
    const error = await client.chat.completions
      .create({ model: "hang", messages: [{ role: "user", content: "hi" }] }, { timeout: 100 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    const aborted = await fake.nextAbort();
    expect(aborted.body).toMatchObject({ model: "hang" });
  });
});
