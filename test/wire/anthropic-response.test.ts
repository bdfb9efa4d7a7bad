import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { FinishReason, Role } from "../../gen/switchyard/v1/chat_pb.js";
import { ChatCompletionSchema } from "../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../../src/errors/gateway-error.js";
import {
  decodeAnthropicUpstreamError,
  encodeAnthropicError,
} from "../../src/wire/anthropic/anthropic-error.js";
import {
  decodeAnthropicMessage,
  encodeAnthropicMessage,
} from "../../src/wire/anthropic/anthropic-message.js";
import { decodeStopReason, encodeStopReason } from "../../src/wire/anthropic/anthropic-stop-reason.js";

describe("Anthropic messages ⇄ ChatCompletion", () => {
  it("decodes text, tool_use and thinking blocks, the stop reason and usage with cache tokens", () => {
    const completion = decodeAnthropicMessage({
      id: "msg_01",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5",
      content: [
        { type: "thinking", thinking: "The user wants weather.", signature: "sig" },
        { type: "text", text: "Checking.", citations: null },
        { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: {
        input_tokens: 10,
        output_tokens: 20,
        cache_read_input_tokens: 100,
        cache_creation_input_tokens: 5,
      },
    });
    expect(completion).toMatchObject({ id: "msg_01", model: "claude-sonnet-4-5" });
    const choice = completion.choices[0]!;
    expect(choice.finishReason).toBe(FinishReason.TOOL_CALLS);
    expect(choice.message).toMatchObject({
      role: Role.ASSISTANT,
      content: [{ part: { case: "text", value: "Checking." } }],
      toolCalls: [{ id: "toolu_1", name: "get_weather", arguments: '{"city":"Paris"}' }],
      reasoningContent: "The user wants weather.",
    });
    // OpenAI's prompt_tokens is the whole prompt: uncached input plus cache reads and writes.
    expect(completion.usage).toMatchObject({
      promptTokens: 115,
      completionTokens: 20,
      totalTokens: 135,
      cachedTokens: 100,
      cacheCreationTokens: 5,
    });
  });

  it("throws an error body sent with a 2xx status", () => {
    expect(() =>
      decodeAnthropicMessage({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }),
    ).toThrow(GatewayError);
  });

  it("encodes a completion as the message the SDK reads, tool arguments parsed to input", () => {
    const completion = create(ChatCompletionSchema, {
      id: "chatcmpl-1",
      model: "gpt-4o",
      choices: [
        {
          index: 0,
          finishReason: FinishReason.TOOL_CALLS,
          message: {
            role: Role.ASSISTANT,
            content: [{ part: { case: "text", value: "On it." } }],
            toolCalls: [{ id: "call_1", name: "get_weather", arguments: '{"city":"Oslo"}' }],
          },
        },
      ],
      usage: { promptTokens: 50, completionTokens: 7, totalTokens: 57, cachedTokens: 20 },
    });
    expect(encodeAnthropicMessage(completion)).toEqual({
      id: "chatcmpl-1",
      type: "message",
      role: "assistant",
      model: "gpt-4o",
      content: [
        { type: "text", text: "On it.", citations: null },
        { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Oslo" } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: {
        input_tokens: 30,
        output_tokens: 7,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 20,
      },
    });
  });

  it("maps stop reasons both ways", () => {
    expect(decodeStopReason("end_turn")).toBe(FinishReason.STOP);
    expect(decodeStopReason("stop_sequence")).toBe(FinishReason.STOP);
    expect(decodeStopReason("max_tokens")).toBe(FinishReason.LENGTH);
    expect(decodeStopReason("model_context_window_exceeded")).toBe(FinishReason.LENGTH);
    expect(decodeStopReason("tool_use")).toBe(FinishReason.TOOL_CALLS);
    expect(decodeStopReason("refusal")).toBe(FinishReason.CONTENT_FILTER);
    expect(decodeStopReason("something_new")).toBe(FinishReason.UNSPECIFIED);
    expect(encodeStopReason(FinishReason.STOP, false)).toBe("end_turn");
    expect(encodeStopReason(FinishReason.LENGTH, false)).toBe("max_tokens");
    expect(encodeStopReason(FinishReason.TOOL_CALLS, true)).toBe("tool_use");
    expect(encodeStopReason(FinishReason.CONTENT_FILTER, false)).toBe("refusal");
    expect(encodeStopReason(FinishReason.UNSPECIFIED, true)).toBe("tool_use");
  });
});

describe("Anthropic errors", () => {
  const headers = (values: Record<string, string> = {}) => ({ get: (name: string) => values[name] ?? null });
  const body = (type: string, message: string) => JSON.stringify({ type: "error", error: { type, message } });

  it("decodes upstream statuses with the gateway's one table", () => {
    const rateLimited = decodeAnthropicUpstreamError(
      429,
      body("rate_limit_error", "slow down"),
      headers({ "retry-after": "3" }),
    );
    expect(rateLimited).toMatchObject({
      code: Code.ResourceExhausted,
      httpStatus: 429,
      retryAfterMs: 3000,
      retryable: true,
    });
    for (const status of [500, 503, 529]) {
      expect(
        decodeAnthropicUpstreamError(status, body("overloaded_error", "Overloaded"), headers()),
      ).toMatchObject({
        code: Code.Unavailable,
        httpStatus: 502,
        retryable: true,
        rawMessage: "Overloaded",
      });
    }
    expect(decodeAnthropicUpstreamError(400, body("invalid_request_error", "bad"), headers())).toMatchObject({
      code: Code.InvalidArgument,
      httpStatus: 400,
      rawMessage: "bad",
      retryable: false,
    });
    expect(
      decodeAnthropicUpstreamError(400, body("invalid_request_error", "prompt is too long: 9 > 8"), headers())
        .errorCode,
    ).toBe("context_length_exceeded");
    expect(decodeAnthropicUpstreamError(401, body("authentication_error", "no"), headers()).code).toBe(
      Code.Unauthenticated,
    );
  });

  it("renders gateway errors in Anthropic's shape with Anthropic's types", () => {
    const typeFor = (code: Code, httpStatus?: number) =>
      encodeAnthropicError(new GatewayError({ code, message: "m", httpStatus }), "req_1").body.error.type;
    expect(typeFor(Code.InvalidArgument)).toBe("invalid_request_error");
    expect(typeFor(Code.Unauthenticated)).toBe("authentication_error");
    expect(typeFor(Code.PermissionDenied)).toBe("permission_error");
    expect(typeFor(Code.NotFound)).toBe("not_found_error");
    expect(typeFor(Code.ResourceExhausted)).toBe("rate_limit_error");
    expect(typeFor(Code.DeadlineExceeded)).toBe("timeout_error");
    expect(typeFor(Code.Unavailable, 502)).toBe("api_error");
    expect(typeFor(Code.InvalidArgument, 413)).toBe("request_too_large");

    const encoded = encodeAnthropicError(
      new GatewayError({ code: Code.ResourceExhausted, message: "slow down", retryAfterMs: 1500 }),
      "req_2",
    );
    expect(encoded).toEqual({
      status: 429,
      headers: { "request-id": "req_2", "retry-after": "2" },
      body: { type: "error", error: { type: "rate_limit_error", message: "slow down" }, request_id: "req_2" },
    });
  });
});
