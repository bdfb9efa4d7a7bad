import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeGemini, startFakeGemini } from "../fakes/gemini-upstream.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";

const GEMINI_KEY = "gemini-test-key";

let upstream: FakeGemini;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeGemini({ apiKey: GEMINI_KEY });
  // Deployments without api_key use GEMINI_API_KEY from the gateway's environment.
  const entry = (name: string, model: string, extra = "") =>
    `  - model_name: ${name}\n    litellm_params:\n      model: gemini/${model}\n      api_base: ${upstream.origin}/v1beta\n${extra}`;
  const yaml = [
    "model_list:",
    entry(
      "flash",
      "gemini-2.5-flash",
      "    model_info:\n      input_cost_per_token: 0.000001\n      output_cost_per_token: 0.000004\n",
    ),
    entry("listed", "gemini-2.5-flash"),
    entry("wrong-key", "gemini-2.5-flash", "      api_key: not-the-key\n"),
    entry("thinking", "thinking"),
    entry("safety", "safety-block"),
    entry("blocked", "prompt-blocked"),
    entry("rate-limited", "error-429"),
    entry("too-long", "error-context"),
    entry("broken-stream", "error-mid-stream"),
    entry("embedder", "gemini-embedding-001"),
    "router_settings:",
    "  context_window_fallbacks: [{ too-long: [flash] }]",
  ].join("\n");
  gateway = await startGateway(yaml, { GEMINI_API_KEY: GEMINI_KEY });
  client = new OpenAI({ apiKey: "unused", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
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

describe("the openai client against a Gemini deployment", () => {
  it("sends generateContent with the key header, system instruction, merged turns and generation config", async () => {
    const completion = await client.chat.completions.create({
      model: "flash",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "first" },
        { role: "assistant", content: "ok" },
        { role: "user", content: "hello" },
        { role: "user", content: "there" },
      ],
      temperature: 0.3,
      top_p: 0.9,
      max_tokens: 50,
      stop: ["END"],
      response_format: {
        type: "json_schema",
        json_schema: { name: "answer", schema: { type: "object", properties: { a: { type: "string" } } } },
      },
    });
    expect(completion.choices[0]?.message.content).toBe("echo: hello there");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    const sent = upstream.requests.at(-1)!;
    expect(sent.path).toBe("/v1beta/models/gemini-2.5-flash:generateContent");
    expect(sent.headers["x-goog-api-key"]).toBe(GEMINI_KEY);
    expect(sent.body).toEqual({
      contents: [
        { role: "user", parts: [{ text: "first" }] },
        { role: "model", parts: [{ text: "ok" }] },
        { role: "user", parts: [{ text: "hello" }, { text: "there" }] },
      ],
      systemInstruction: { parts: [{ text: "Be brief." }] },
      generationConfig: {
        temperature: 0.3,
        topP: 0.9,
        maxOutputTokens: 50,
        stopSequences: ["END"],
        responseMimeType: "application/json",
        responseJsonSchema: { type: "object", properties: { a: { type: "string" } } },
      },
    });
  });

  it("prices the call from model_info", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "flash", messages: [{ role: "user", content: "what does it cost" }] })
      .withResponse();
    const expected = (data.usage!.prompt_tokens * 1 + data.usage!.completion_tokens * 4) / 1e6;
    expect(Number(response.headers.get("x-litellm-response-cost"))).toBeCloseTo(expected, 12);
  });

  it("prices a listed model from the bundled price table", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "listed", messages: [{ role: "user", content: "what does it cost" }] })
      .withResponse();
    const expected = (data.usage!.prompt_tokens * 0.3 + data.usage!.completion_tokens * 2.5) / 1e6;
    expect(Number(response.headers.get("x-litellm-response-cost"))).toBeCloseTo(expected, 12);
  });

  it("calls a tool, then sends the result back as a functionResponse named after the call", async () => {
    const first = await client.chat.completions.create({
      model: "flash",
      messages: [{ role: "user", content: "weather in Lyon" }],
      tools: [weatherTool],
      tool_choice: { type: "function", function: { name: "get_weather" } },
    });
    const call = first.choices[0]?.message.tool_calls?.[0];
    if (call?.type !== "function") throw new Error("expected a function call");
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call.id).toMatch(/^call_/);
    expect(upstream.requests.at(-1)!.body).toMatchObject({
      tools: [
        {
          functionDeclarations: [
            {
              name: "get_weather",
              description: "Current weather for a city",
              parametersJsonSchema: weatherTool.function.parameters,
            },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["get_weather"] } },
    });
    const second = await client.chat.completions.create({
      model: "flash",
      messages: [
        { role: "user", content: "weather in Lyon" },
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: call.id, content: "21C" },
      ],
      tools: [weatherTool],
    });
    expect(second.choices[0]?.message.content).toBe("tool said: 21C");
    expect((upstream.requests.at(-1)!.body as { contents: unknown }).contents).toEqual([
      { role: "user", parts: [{ text: "weather in Lyon" }] },
      {
        role: "model",
        parts: [{ functionCall: { name: "get_weather", args: { query: "weather in Lyon" } } }],
      },
      { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { content: "21C" } } }] },
    ]);
  });

  it("gives a thinking model's thought signature back with its function call", async () => {
    const first = await client.chat.completions.create({
      model: "thinking",
      messages: [{ role: "user", content: "weather in Nice" }],
      tools: [weatherTool],
    });
    const call = first.choices[0]?.message.tool_calls?.[0];
    if (call?.type !== "function") throw new Error("expected a function call");
    const second = await client.chat.completions.create({
      model: "thinking",
      messages: [
        { role: "user", content: "weather in Nice" },
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: call.id, content: "25C" },
      ],
      tools: [weatherTool],
    });
    expect(second.choices[0]?.message.content).toBe("tool said: 25C");
    const contents = (upstream.requests.at(-1)!.body as { contents: unknown[] }).contents;
    expect(contents[1]).toEqual({
      role: "model",
      parts: [
        {
          functionCall: { name: "get_weather", args: { query: "weather in Nice" } },
          thoughtSignature: "c2lnbmVkLXRob3VnaHQ=",
        },
      ],
    });
  });

  it("streams over streamGenerateContent?alt=sse with usage at the end", async () => {
    const stream = await client.chat.completions.create({
      model: "flash",
      messages: [{ role: "user", content: "one two three" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe("echo: one two three");
    expect(usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    expect(upstream.requests.at(-1)!.path).toBe(
      "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
    );
  });

  it("reports thinking and cached tokens, and the thoughts as reasoning content", async () => {
    const completion = await client.chat.completions.create({
      model: "thinking",
      messages: [{ role: "user", content: "think" }],
      reasoning_effort: "low",
    });
    expect(completion.choices[0]?.message.content).toBe("echo: think");
    expect((completion.choices[0]!.message as { reasoning_content?: string }).reasoning_content).toBe(
      "Considering the question.",
    );
    // 2 answer tokens + 7 thinking tokens are output; 3 of the prompt came from the cache.
    expect(completion.usage).toMatchObject({
      prompt_tokens: 1,
      completion_tokens: 9,
      total_tokens: 10,
      prompt_tokens_details: { cached_tokens: 3 },
      completion_tokens_details: { reasoning_tokens: 7 },
    });
    expect(upstream.requests.at(-1)!.body).toMatchObject({
      generationConfig: { thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } },
    });
  });

  it("ends a safety-blocked answer, or a blocked prompt, with finish_reason content_filter", async () => {
    for (const model of ["safety", "blocked"]) {
      const completion = await client.chat.completions.create({
        model,
        messages: [{ role: "user", content: "something dangerous" }],
      });
      expect(completion.choices[0]?.finish_reason).toBe("content_filter");
      expect(completion.choices[0]?.message.content ?? "").toBe("");
    }
    const stream = await client.chat.completions.create({
      model: "safety",
      messages: [{ role: "user", content: "something dangerous" }],
      stream: true,
    });
    let finish: string | null = null;
    for await (const chunk of stream) finish = chunk.choices[0]?.finish_reason ?? finish;
    expect(finish).toBe("content_filter");
  });

  it("embeds one input with embedContent and several with batchEmbedContents", async () => {
    const one = await client.embeddings.create({ model: "embedder", input: "alpha", dimensions: 4 });
    expect(one.data[0]?.embedding).toHaveLength(4);
    expect(upstream.requests.at(-1)!.path).toBe("/v1beta/models/gemini-embedding-001:embedContent");
    expect(upstream.requests.at(-1)!.body).toEqual({
      content: { parts: [{ text: "alpha" }] },
      outputDimensionality: 4,
    });
    const several = await client.embeddings.create({ model: "embedder", input: ["alpha", "beta"] });
    expect(several.data.map((item) => item.index)).toEqual([0, 1]);
    expect(several.data[0]?.embedding).not.toEqual(several.data[1]?.embedding);
    expect(upstream.requests.at(-1)!.path).toBe("/v1beta/models/gemini-embedding-001:batchEmbedContents");
    expect(upstream.requests.at(-1)!.body).toEqual({
      requests: [
        { model: "models/gemini-embedding-001", content: { parts: [{ text: "alpha" }] } },
        { model: "models/gemini-embedding-001", content: { parts: [{ text: "beta" }] } },
      ],
    });
  });
});

describe("Gemini errors", () => {
  it("RESOURCE_EXHAUSTED is a 429 with the RetryInfo delay as retry-after", async () => {
    const error = await client.chat.completions
      .create({ model: "rate-limited", messages: [{ role: "user", content: "x" }] })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.APIError>).headers?.get("retry-after")).toBe("2");
  });

  it("an invalid API key is a 401 that does not echo the key", async () => {
    const error = await client.chat.completions
      .create({ model: "wrong-key", messages: [{ role: "user", content: "x" }] })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(JSON.stringify((error as InstanceType<typeof OpenAI.APIError>).error)).not.toContain(
      "not-the-key",
    );
  });

  it("a prompt over the token limit falls back along context_window_fallbacks", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "too-long", messages: [{ role: "user", content: "a very long prompt" }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("echo: a very long prompt");
    expect(response.headers.get("x-litellm-model-group")).toBe("flash");
  });

  it("a failure after the stream began ends the stream with an error", async () => {
    const stream = await client.chat.completions.create({
      model: "broken-stream",
      messages: [{ role: "user", content: "one two three" }],
      stream: true,
    });
    const consume = async () => {
      for await (const _chunk of stream) {
        // Read until the error arrives.
      }
    };
    await expect(consume()).rejects.toThrow();
  });
});
