import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import type {
  Completion as SdkCompletion,
  CompletionChoice as SdkCompletionChoice,
} from "openai/resources/completions";
import { describe, expect, expectTypeOf, it } from "vitest";
import { FinishReason } from "../../gen/switchyard/v1/chat_pb.js";
import { TextCompletionRequestSchema, TextCompletionSchema } from "../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../../src/errors/gateway-error.js";
import {
  createTextChunkEncoder,
  decodeTextCompletion,
  decodeTextCompletionRequest,
  encodeTextCompletion,
  encodeTextCompletionRequest,
  type OpenAITextChoice,
  type OpenAITextCompletion,
} from "../../src/wire/openai/text-completion.js";

function rejection(body: unknown): GatewayError {
  try {
    decodeTextCompletionRequest(body);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("expected the body to be rejected");
}

describe("decoding a client's /v1/completions body", () => {
  it("maps every legacy parameter and forwards unknown keys in extra_body", () => {
    const { request, stream } = decodeTextCompletionRequest({
      model: "instruct",
      prompt: "Once upon a time",
      suffix: " The end.",
      max_tokens: 16,
      temperature: 0.2,
      top_p: 0.9,
      stop: "\n",
      seed: 7,
      n: 2,
      echo: true,
      logprobs: 3,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      user: "user-1",
      stream: true,
      stream_options: { include_usage: true },
      best_of: 3,
      logit_bias: { "50256": -100 },
    });
    expect(stream).toBe(true);
    expect(request).toMatchObject({
      model: "instruct",
      prompt: ["Once upon a time"],
      suffix: " The end.",
      maxTokens: 16,
      temperature: 0.2,
      topP: 0.9,
      stop: ["\n"],
      seed: 7n,
      n: 2,
      echo: true,
      logprobs: 3,
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
      user: "user-1",
      streamOptions: { includeUsage: true },
      extraBody: { best_of: 3, logit_bias: { "50256": -100 } },
    });
  });

  it("takes an array of prompts as several prompts", () => {
    const { request, stream } = decodeTextCompletionRequest({ model: "m", prompt: ["a", "b"] });
    expect(request.prompt).toEqual(["a", "b"]);
    expect(stream).toBe(false);
  });

  it("rejects token-id prompts with a 400 that says to send text", () => {
    for (const prompt of [
      [1, 2, 3],
      [[1, 2], [3]],
    ]) {
      const error = rejection({ model: "m", prompt });
      expect(error.code).toBe(Code.InvalidArgument);
      expect(error.httpStatus).toBe(400);
      expect(error.param).toBe("prompt");
      expect(error.rawMessage).toMatch(/token-id prompts are not supported/);
    }
  });

  it("rejects a missing or empty prompt and mistyped fields, naming the field", () => {
    expect(rejection({ model: "m" }).param).toBe("prompt");
    expect(rejection({ model: "m", prompt: [] }).param).toBe("prompt");
    expect(rejection({ model: "m", prompt: ["a", 3] }).param).toBe("prompt");
    expect(rejection({ model: "m", prompt: "a", max_tokens: "10" }).param).toBe("max_tokens");
    expect(rejection({ model: "m", prompt: "a", echo: "yes" }).param).toBe("echo");
    expect(rejection({ prompt: "a" }).param).toBe("model");
  });
});

describe("encoding a request for an OpenAI-compatible upstream", () => {
  it("sends one prompt as a string and leaves unset parameters out", () => {
    const request = create(TextCompletionRequestSchema, { model: "group", prompt: ["Say hi"], maxTokens: 5 });
    expect(encodeTextCompletionRequest(request, { model: "gpt-3.5-turbo-instruct", stream: false })).toEqual({
      model: "gpt-3.5-turbo-instruct",
      prompt: "Say hi",
      max_tokens: 5,
    });
  });

  it("sends several prompts as an array, always asks a stream for usage, and keeps model and stream its own", () => {
    const request = create(TextCompletionRequestSchema, {
      model: "group",
      prompt: ["a", "b"],
      echo: true,
      logprobs: 0,
      seed: 3n,
      extraBody: { best_of: 2, model: "other", stream: false },
    });
    expect(encodeTextCompletionRequest(request, { model: "upstream", stream: true })).toEqual({
      model: "upstream",
      prompt: ["a", "b"],
      echo: true,
      logprobs: 0,
      seed: 3,
      stream: true,
      stream_options: { include_usage: true },
      best_of: 2,
    });
  });
});

/** An answer as OpenAI's gpt-3.5-turbo-instruct gives it, with legacy logprobs. */
const openAIAnswer = {
  id: "cmpl-1",
  object: "text_completion",
  created: 1_700_000_000,
  model: "gpt-3.5-turbo-instruct",
  choices: [
    {
      text: " there",
      index: 0,
      logprobs: {
        tokens: [" there"],
        token_logprobs: [-0.2],
        top_logprobs: [{ " there": -0.2 }],
        text_offset: [5],
      },
      finish_reason: "length",
    },
  ],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
};

describe("text completions from the upstream and to the client", () => {
  it("round-trips a whole answer, logprobs and usage included", () => {
    const completion = decodeTextCompletion(openAIAnswer);
    expect(completion.choices[0]).toMatchObject({ text: " there", finishReason: FinishReason.LENGTH });
    expect(completion.usage?.totalTokens).toBe(2);
    expect(encodeTextCompletion(completion)).toEqual(openAIAnswer);
  });

  it("throws an upstream's error object as a GatewayError", () => {
    expect(() => decodeTextCompletion({ error: { message: "overloaded", code: 503 } })).toThrow(GatewayError);
  });

  it("gives a whole answer a finish reason even when the upstream reported none", () => {
    const completion = create(TextCompletionSchema, { id: "x", choices: [{ text: "hi" }] });
    expect(encodeTextCompletion(completion).choices[0]?.finish_reason).toBe("stop");
  });

  it("streams fragments with finish_reason null, and usage only in the final chunk when asked for", () => {
    const fragment = create(TextCompletionSchema, { id: "cmpl-2", choices: [{ text: " hel" }] });
    const last = create(TextCompletionSchema, {
      id: "cmpl-2",
      choices: [{ text: "", finishReason: FinishReason.STOP }],
    });
    const usage = create(TextCompletionSchema, {
      id: "cmpl-2",
      usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 },
    });

    const withUsage = createTextChunkEncoder({ includeUsage: true });
    expect(withUsage(fragment)).toMatchObject({
      object: "text_completion",
      choices: [{ text: " hel", index: 0, logprobs: null, finish_reason: null }],
      usage: null,
    });
    expect(withUsage(last)?.choices[0]?.finish_reason).toBe("stop");
    expect(withUsage(usage)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    });

    const without = createTextChunkEncoder({ includeUsage: false });
    expect(without(fragment)).not.toHaveProperty("usage");
    expect(without(usage)).toBeUndefined();
  });

  it("writes the shapes the openai SDK declares", () => {
    type WithoutLogprobs<T> = Omit<T, "logprobs">;
    expectTypeOf<Omit<OpenAITextCompletion, "choices" | "usage">>().toExtend<
      Omit<SdkCompletion, "choices" | "usage">
    >();
    expectTypeOf<WithoutLogprobs<OpenAITextChoice> & { finish_reason: "stop" }>().toExtend<
      WithoutLogprobs<SdkCompletionChoice>
    >();
  });
});
