import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { ChatMessageSchema, FinishReason, Role } from "../../gen/switchyard/v1/chat_pb.js";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { renderChatPrompt } from "../../src/wire/huggingface/chat-prompt.js";
import { decodeHuggingFaceError } from "../../src/wire/huggingface/huggingface-error.js";
import { encodeTextGenerationRequest } from "../../src/wire/huggingface/text-generation-request.js";
import { decodeTextGeneration } from "../../src/wire/huggingface/text-generation-response.js";
import { TextGenerationStreamDecoder } from "../../src/wire/huggingface/text-generation-stream.js";

const noHeaders = { get: () => null };

function message(role: Role, text: string) {
  return create(ChatMessageSchema, { role, content: [{ part: { case: "text", value: text } }] });
}

function tokenEvent(text: string, special = false) {
  return { token: { id: 1, text, logprob: -0.1, special }, generated_text: null, details: null };
}

function lastEvent(text: string, finishReason: string, special = false) {
  return {
    token: { id: 2, text, logprob: -0.1, special },
    generated_text: "…",
    details: { finish_reason: finishReason, generated_tokens: 4, input_length: 3, seed: null },
  };
}

describe("text-generation request", () => {
  it("maps OpenAI parameters onto TGI's names and always asks for the continuation with details", () => {
    const body = encodeTextGenerationRequest(
      "def f():",
      { maxTokens: 64, temperature: 0.2, topP: 0.95, stop: ["\n\n"], seed: 3n, frequencyPenalty: 0.5 },
      { streamInBody: false },
    );
    expect(body).toEqual({
      inputs: "def f():",
      parameters: {
        max_new_tokens: 64,
        temperature: 0.2,
        top_p: 0.95,
        stop: ["\n\n"],
        seed: 3,
        frequency_penalty: 0.5,
        return_full_text: false,
        details: true,
      },
    });
  });

  it("sends temperature 0 as greedy decoding and leaves out a top_p of 1, which TGI rejects", () => {
    const body = encodeTextGenerationRequest(
      "x",
      { temperature: 0, topP: 1, stop: [] },
      { streamInBody: false },
    );
    expect(body.parameters).toEqual({ do_sample: false, return_full_text: false, details: true });
  });

  it("merges extra_body into parameters but keeps details and return_full_text", () => {
    const body = encodeTextGenerationRequest(
      "x",
      { stop: [], extraBody: { top_k: 10, repetition_penalty: 1.1, details: false, return_full_text: true } },
      { streamInBody: true },
    );
    expect(body).toEqual({
      inputs: "x",
      parameters: { top_k: 10, repetition_penalty: 1.1, return_full_text: false, details: true },
      stream: true,
    });
  });

  it("adds the template's stop sequences after the caller's, once", () => {
    const body = encodeTextGenerationRequest(
      "x",
      { stop: ["END", "\nUser:"] },
      { streamInBody: false, extraStop: ["\nUser:"] },
    );
    expect(body.parameters.stop).toEqual(["END", "\nUser:"]);
  });
});

describe("chat prompt templates", () => {
  const messages = [
    message(Role.SYSTEM, "Be brief."),
    message(Role.USER, "hi"),
    message(Role.ASSISTANT, "hello"),
    message(Role.USER, "bye"),
  ];

  it("renders a System:/User:/Assistant: transcript ending with Assistant:", () => {
    expect(renderChatPrompt(messages, "transcript")).toEqual({
      prompt: "System: Be brief.\nUser: hi\nAssistant: hello\nUser: bye\nAssistant:",
      stop: ["\nUser:"],
    });
  });

  it("renders ChatML ending with an open assistant turn", () => {
    expect(renderChatPrompt(messages, "chatml").prompt).toBe(
      "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n" +
        "<|im_start|>assistant\nhello<|im_end|>\n<|im_start|>user\nbye<|im_end|>\n<|im_start|>assistant\n",
    );
  });

  it("refuses content a text prompt cannot carry, naming the message", () => {
    const image = create(ChatMessageSchema, {
      role: Role.USER,
      content: [{ part: { case: "imageUrl", value: { url: "https://example.com/cat.png" } } }],
    });
    expect(() => renderChatPrompt([message(Role.USER, "look"), image], "transcript")).toThrow(
      expect.objectContaining({ code: Code.InvalidArgument, param: "messages[1].content" }),
    );
  });
});

describe("text-generation answers", () => {
  it("reads the classic API's array and TGI's object alike", () => {
    expect(decodeTextGeneration([{ generated_text: " world" }], [])).toMatchObject({
      text: " world",
      finishReason: FinishReason.STOP,
      usage: undefined,
    });
    const tgi = decodeTextGeneration(
      {
        generated_text: " world",
        details: { finish_reason: "length", generated_tokens: 2, prefill: [1, 2, 3] },
      },
      [],
    );
    expect(tgi.finishReason).toBe(FinishReason.LENGTH);
    expect(tgi.usage).toMatchObject({ promptTokens: 3, completionTokens: 2, totalTokens: 5 });
  });

  it("removes the stop sequence that ended generation", () => {
    const generated = decodeTextGeneration(
      { generated_text: "one two\nUser:", details: { finish_reason: "stop_sequence", generated_tokens: 4 } },
      ["\nUser:"],
    );
    expect(generated).toMatchObject({ text: "one two", finishReason: FinishReason.STOP });
  });

  it("keeps text that only looks like a stop sequence when generation ended for another reason", () => {
    const generated = decodeTextGeneration(
      { generated_text: "a END", details: { finish_reason: "length", generated_tokens: 2 } },
      ["END"],
    );
    expect(generated.text).toBe("a END");
  });

  it("throws an error body sent with 200 as the upstream's error", () => {
    expect(() => decodeTextGeneration({ error: "Input validation error" }, [])).toThrow(GatewayError);
  });
});

describe("text-generation streams", () => {
  it("turns token events into text and the last event's details into finish reason and usage", () => {
    const decoder = new TextGenerationStreamDecoder([]);
    expect(decoder.decode(tokenEvent("Hello")).text).toBe("Hello");
    expect(decoder.decode(tokenEvent(" world")).finishReason).toBe(FinishReason.UNSPECIFIED);
    const last = decoder.decode(lastEvent("</s>", "eos_token", true));
    expect(last.text).toBe(""); // special tokens are not text
    expect(last.finishReason).toBe(FinishReason.STOP);
    expect(last.usage).toMatchObject({ promptTokens: 3, completionTokens: 4, totalTokens: 7 });
  });

  it("maps finish reasons length → length, stop_sequence → stop", () => {
    expect(new TextGenerationStreamDecoder([]).decode(lastEvent("x", "length")).finishReason).toBe(
      FinishReason.LENGTH,
    );
    expect(new TextGenerationStreamDecoder(["x"]).decode(lastEvent("x", "stop_sequence")).finishReason).toBe(
      FinishReason.STOP,
    );
  });

  it("holds back text that may start a stop sequence, and drops the sequence when it completes", () => {
    const decoder = new TextGenerationStreamDecoder(["\nUser:"]);
    const texts = [
      decoder.decode(tokenEvent("Sure")).text,
      decoder.decode(tokenEvent(".\n")).text,
      decoder.decode(tokenEvent("User")).text,
      decoder.decode(lastEvent(":", "stop_sequence")).text,
    ];
    expect(texts).toEqual(["Sure", ".", "", ""]);
  });

  it("releases held-back text once the next token shows it was no stop sequence", () => {
    const decoder = new TextGenerationStreamDecoder(["\nUser:"]);
    const texts = [
      decoder.decode(tokenEvent("a\n")).text,
      decoder.decode(tokenEvent("Us")).text,
      decoder.decode(tokenEvent("ed")).text,
      decoder.decode(lastEvent(" it", "length")).text,
    ];
    expect(texts.join("")).toBe("a\nUsed it");
    expect(texts).toEqual(["a", "", "\nUsed", " it"]);
  });

  it("throws an error event as a GatewayError by its error_type", () => {
    const decoder = new TextGenerationStreamDecoder([]);
    expect(() =>
      decoder.decode({ error: "Request failed during generation", error_type: "generation" }),
    ).toThrow(expect.objectContaining({ code: Code.Unavailable, httpStatus: 502 }));
    expect(() => decoder.decode({ error: "inputs too long", error_type: "validation" })).toThrow(
      expect.objectContaining({ code: Code.InvalidArgument, httpStatus: 422 }),
    );
  });
});

describe("Hugging Face error bodies", () => {
  it("reads error as a string, a list or an object", () => {
    expect(decodeHuggingFaceError(400, '{"error":"bad input"}', noHeaders).rawMessage).toBe("bad input");
    expect(decodeHuggingFaceError(400, '{"error":["a","b"]}', noHeaders).rawMessage).toBe("a; b");
    expect(decodeHuggingFaceError(400, '{"error":{"message":"nested"}}', noHeaders).rawMessage).toBe(
      "nested",
    );
  });

  it("makes a loading model a retryable 502 with its estimated time as the retry hint", () => {
    const error = decodeHuggingFaceError(
      503,
      '{"error":"Model is loading","estimated_time":20.5}',
      noHeaders,
    );
    expect(error).toMatchObject({
      code: Code.Unavailable,
      httpStatus: 502,
      retryable: true,
      retryAfterMs: 20500,
    });
    expect(error.rawMessage).toBe("Model is loading");
  });

  it("prefers the retry-after header over estimated_time", () => {
    const headers = { get: (name: string) => (name === "retry-after" ? "3" : null) };
    expect(decodeHuggingFaceError(503, '{"error":"x","estimated_time":20}', headers).retryAfterMs).toBe(3000);
  });
});
