import { once } from "node:events";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import OpenAI from "openai";
import type {
  ChatCompletion as SdkChatCompletion,
  ChatCompletionChunk as SdkChatCompletionChunk,
} from "openai/resources/chat/completions";
import { afterEach, describe, expect, expectTypeOf, it } from "vitest";
import { FinishReason, Role } from "../../gen/switchyard/v1/chat_pb.js";
import {
  type ChatCompletion,
  type ChatCompletionChunk,
  ChatCompletionChunkSchema,
  ChatCompletionSchema,
} from "../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { formatSseEvent, SSE_DONE, sseHeaders } from "../../src/http/sse.js";
import {
  createChatChunkEncoder,
  decodeChatChunk,
  encodeChatChunk,
} from "../../src/wire/openai/chat-chunk.js";
import { decodeChatCompletion, encodeChatCompletion } from "../../src/wire/openai/chat-completion.js";
import type { OpenAIChatChunk, OpenAIChatCompletion } from "../../src/wire/openai/openai-types.js";

/** A completion as OpenAI returns it, with tool calls, logprobs and detailed usage. */
const openAICompletion = {
  id: "chatcmpl-123",
  object: "chat.completion",
  created: 1_700_000_000,
  model: "gpt-4o-2024-08-06",
  choices: [
    {
      index: 0,
      message: { role: "assistant", content: "Hello there!", refusal: null },
      logprobs: {
        content: [{ token: "Hello", logprob: -0.1, bytes: [72], top_logprobs: [] }],
        refusal: null,
      },
      finish_reason: "stop",
    },
    {
      index: 1,
      message: {
        role: "assistant",
        content: null,
        refusal: null,
        tool_calls: [
          { id: "call_9", type: "function", function: { name: "lookup", arguments: '{"q":"x"}' } },
        ],
      },
      logprobs: null,
      finish_reason: "tool_calls",
    },
  ],
  usage: {
    prompt_tokens: 20,
    completion_tokens: 10,
    total_tokens: 30,
    prompt_tokens_details: { cached_tokens: 8 },
    completion_tokens_details: { reasoning_tokens: 4 },
  },
  system_fingerprint: "fp_abc",
};

/** A tool-calling stream as OpenAI sends it with include_usage. */
const openAIChunks = [
  { choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }] },
  { choices: [{ index: 0, delta: { content: "Let me check." }, logprobs: null, finish_reason: null }] },
  {
    choices: [
      {
        index: 0,
        delta: {
          tool_calls: [
            { index: 0, id: "call_1", type: "function", function: { name: "get_weather", arguments: "" } },
          ],
        },
        logprobs: null,
        finish_reason: null,
      },
    ],
  },
  {
    choices: [
      {
        index: 0,
        delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
        logprobs: null,
        finish_reason: null,
      },
    ],
  },
  {
    choices: [
      {
        index: 0,
        delta: { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
        logprobs: null,
        finish_reason: null,
      },
    ],
  },
  { choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "tool_calls" }] },
].map((chunk) => ({
  id: "chatcmpl-7",
  object: "chat.completion.chunk",
  created: 1_700_000_001,
  model: "gpt-4o-mini",
  system_fingerprint: "fp_1",
  ...chunk,
  usage: null,
}));
const openAIUsageChunk = {
  id: "chatcmpl-7",
  object: "chat.completion.chunk",
  created: 1_700_000_001,
  model: "gpt-4o-mini",
  system_fingerprint: "fp_1",
  choices: [],
  usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 },
};

// `logprobs` is the upstream's object passed through, typed as JSON, so the
// type checks below leave it out.
type WithoutLogprobs<T> = Omit<T, "logprobs">;
type SdkChoice = SdkChatCompletion["choices"][number];
type SdkChunkChoice = SdkChatCompletionChunk["choices"][number];

describe("chat completions", () => {
  it("encodes the shapes the openai SDK's types describe (checked by tsc)", () => {
    expectTypeOf<Omit<OpenAIChatCompletion, "choices">>().toExtend<Omit<SdkChatCompletion, "choices">>();
    expectTypeOf<WithoutLogprobs<OpenAIChatCompletion["choices"][number]>>().toExtend<
      WithoutLogprobs<SdkChoice>
    >();
    expectTypeOf<Omit<OpenAIChatChunk, "choices">>().toExtend<Omit<SdkChatCompletionChunk, "choices">>();
    expectTypeOf<WithoutLogprobs<OpenAIChatChunk["choices"][number]>>().toExtend<
      WithoutLogprobs<SdkChunkChoice>
    >();
  });

  it("round-trips an OpenAI completion through the proto unchanged", () => {
    const completion = decodeChatCompletion(structuredClone(openAICompletion));
    expect(completion.choices[1]?.finishReason).toBe(FinishReason.TOOL_CALLS);
    expect(completion.usage).toMatchObject({ cachedTokens: 8, reasoningTokens: 4 });
    expect(encodeChatCompletion(completion)).toEqual(openAICompletion);
  });

  it("writes content null, refusal null and logprobs null when absent, and omits zero usage details", () => {
    const completion = create(ChatCompletionSchema, {
      id: "c",
      created: 5n,
      model: "m",
      choices: [{ index: 0, message: { role: Role.ASSISTANT }, finishReason: FinishReason.LENGTH }],
      usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 },
    });
    expect(encodeChatCompletion(completion)).toEqual({
      id: "c",
      object: "chat.completion",
      created: 5,
      model: "m",
      choices: [
        {
          index: 0,
          message: { role: "assistant", content: null, refusal: null },
          logprobs: null,
          finish_reason: "length",
        },
      ],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    });
  });

  it("decodes unusual upstream bodies without throwing", () => {
    const completion = decodeChatCompletion({
      choices: [
        { message: { content: "", reasoning_content: "thinking…" }, finish_reason: "weird_reason" },
        {
          message: {
            content: [
              { type: "text", text: "a" },
              { type: "text", text: "b" },
            ],
          },
          finish_reason: "eos",
        },
        { message: { tool_calls: [{ id: "t", function: { name: "f", arguments: { x: 1 } } }] } },
        "not a choice",
      ],
      usage: { prompt_tokens: 3, completion_tokens: 4 },
    });
    expect(completion.id).toBe("");
    expect(completion.created).toBe(0n);
    expect(completion.choices).toHaveLength(3);
    expect(completion.choices[0]?.message?.content).toEqual([]);
    expect(completion.choices[0]?.message?.reasoningContent).toBe("thinking…");
    expect(completion.choices[0]?.finishReason).toBe(FinishReason.UNSPECIFIED);
    expect(completion.choices[1]?.finishReason).toBe(FinishReason.STOP);
    expect(completion.choices[2]?.message?.toolCalls[0]?.arguments).toBe('{"x":1}');
    expect(completion.usage?.totalTokens).toBe(7);
    // An unreported finish reason is written as OpenAI's default.
    expect(encodeChatCompletion(completion).choices.map((choice) => choice.finish_reason)).toEqual([
      "stop",
      "stop",
      "tool_calls",
    ]);
  });

  it("rejects a body that is not a JSON object as an invalid upstream response", () => {
    for (const body of ["text", null, [1], 3]) {
      let thrown: unknown;
      try {
        decodeChatCompletion(body);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(GatewayError);
      expect((thrown as GatewayError).code).toBe(Code.Unavailable);
      expect((thrown as GatewayError).httpStatus).toBe(502);
      expect((thrown as GatewayError).rawMessage).toBe("upstream returned an invalid response");
    }
  });
});

describe("chat completion chunks", () => {
  it("round-trips an OpenAI tool-calling stream with include_usage unchanged", () => {
    const encoded = [...openAIChunks, openAIUsageChunk].map((chunk) =>
      encodeChatChunk(decodeChatChunk(structuredClone(chunk)), { includeUsage: true }),
    );
    expect(encoded).toEqual([...openAIChunks, openAIUsageChunk]);
  });

  it("writes usage only when asked: null on ordinary chunks with includeUsage, absent without", () => {
    const chunk = decodeChatChunk(openAIChunks[1]);
    expect(encodeChatChunk(chunk, { includeUsage: true }).usage).toBeNull();
    expect(encodeChatChunk(chunk, { includeUsage: false })).not.toHaveProperty("usage");
    expect(encodeChatChunk(decodeChatChunk(openAIUsageChunk), { includeUsage: false })).not.toHaveProperty(
      "usage",
    );
  });

  it("per-stream encoder adds the assistant role to each choice's first delta and drops unwanted usage chunks", () => {
    const encode = createChatChunkEncoder({ includeUsage: false });
    const chunk = (choices: ChatCompletionChunk["choices"]) =>
      create(ChatCompletionChunkSchema, { id: "x", created: 1n, model: "m", choices });
    const first = encode(
      chunk([
        create(ChatCompletionChunkSchema, { choices: [{ index: 0, content: "a" }] }).choices[0]!,
        create(ChatCompletionChunkSchema, { choices: [{ index: 1, content: "b" }] }).choices[0]!,
      ]),
    );
    expect(first?.choices.map((choice) => choice.delta)).toEqual([
      { role: "assistant", content: "a" },
      { role: "assistant", content: "b" },
    ]);
    const second = encode(
      chunk(create(ChatCompletionChunkSchema, { choices: [{ index: 0, content: "c" }] }).choices),
    );
    expect(second?.choices[0]?.delta).toEqual({ content: "c" });
    const usageOnly = create(ChatCompletionChunkSchema, {
      id: "x",
      usage: { promptTokens: 1, totalTokens: 1 },
    });
    expect(encode(usageOnly)).toBeUndefined();
    expect(createChatChunkEncoder({ includeUsage: true })(usageOnly)?.usage).toEqual({
      prompt_tokens: 1,
      completion_tokens: 0,
      total_tokens: 1,
    });
  });

  it("throws the upstream's error when a chunk carries one", () => {
    let thrown: unknown;
    try {
      decodeChatChunk({
        error: { message: "overloaded", type: "service_unavailable_error", code: "overloaded" },
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    expect((thrown as GatewayError).rawMessage).toBe("overloaded");
    expect((thrown as GatewayError).errorCode).toBe("overloaded");
    expect((thrown as GatewayError).code).toBe(Code.Unavailable);
  });

  it("decodes quirky chunks: missing index, reasoning field, unknown finish reason", () => {
    const chunk = decodeChatChunk({
      choices: [
        {
          delta: { reasoning: "hmm", tool_calls: [{ id: "c", function: { name: "f" } }] },
          finish_reason: "something_new",
        },
      ],
    });
    expect(chunk.choices[0]).toMatchObject({
      index: 0,
      reasoningContent: "hmm",
      finishReason: FinishReason.UNSPECIFIED,
    });
    expect(chunk.choices[0]?.toolCalls[0]).toMatchObject({ index: 0, id: "c", name: "f", arguments: "" });
  });
});

describe("the official openai SDK reads what we encode", () => {
  let server: http.Server | undefined;
  afterEach(async () => {
    if (server !== undefined) {
      server.close();
      await once(server, "close");
      server = undefined;
    }
  });

  async function serve(handler: http.RequestListener): Promise<OpenAI> {
    server = http.createServer(handler);
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    return new OpenAI({ apiKey: "test", baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
  }

  it("parses a whole completion", async () => {
    const completion: ChatCompletion = decodeChatCompletion(openAICompletion);
    const client = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(encodeChatCompletion(completion)));
    });
    const result = await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(result.choices[0]?.message.content).toBe("Hello there!");
    expect(result.choices[1]?.message.tool_calls?.[0]).toMatchObject({ function: { name: "lookup" } });
    expect(result.usage?.prompt_tokens_details?.cached_tokens).toBe(8);
  });

  it("accumulates a streamed tool call and usage into a final completion", async () => {
    const chunks = [...openAIChunks, openAIUsageChunk].map((chunk) => decodeChatChunk(chunk));
    const client = await serve((_request, response) => {
      response.writeHead(200, sseHeaders(response));
      const encode = createChatChunkEncoder({ includeUsage: true });
      for (const chunk of chunks) {
        const encoded = encode(chunk);
        if (encoded !== undefined) response.write(formatSseEvent(JSON.stringify(encoded)));
      }
      response.end(SSE_DONE);
    });
    const stream = client.chat.completions.stream({
      model: "m",
      messages: [{ role: "user", content: "weather?" }],
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe("Let me check.");
    expect(final.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      id: "call_1",
      type: "function",
      function: { name: "get_weather", arguments: '{"city":"Paris"}' },
    });
    expect(final.choices[0]?.finish_reason).toBe("tool_calls");
    expect(final.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 });
  });

  it("raises an in-stream error event as an APIError", async () => {
    const client = await serve((_request, response) => {
      response.writeHead(200, sseHeaders(response));
      response.write(formatSseEvent(JSON.stringify(encodeChatChunk(decodeChatChunk(openAIChunks[0])))));
      response.end(
        formatSseEvent(JSON.stringify({ error: { message: "upstream failed", type: "api_error" } })),
      );
    });
    const stream = await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "x" }],
      stream: true,
    });
    await expect(async () => {
      for await (const _chunk of stream) {
        // drain
      }
    }).rejects.toThrow(/upstream failed/);
  });
});
