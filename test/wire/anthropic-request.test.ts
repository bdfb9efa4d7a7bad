import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { Role, ToolChoiceMode } from "../../gen/switchyard/v1/chat_pb.js";
import type { ChatCompletionRequest } from "../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { decodeAnthropicRequest } from "../../src/wire/anthropic/anthropic-request-decode.js";
import {
  type EncodeAnthropicRequestOptions,
  encodeAnthropicRequest,
} from "../../src/wire/anthropic/anthropic-request-encode.js";
import { decodeChatRequest } from "../../src/wire/openai/chat-request.js";

/** A proto request as the OpenAI shim decodes it from OpenAI JSON. */
function fromOpenAI(body: Record<string, unknown>): ChatCompletionRequest {
  return decodeChatRequest({ model: "claude", ...body }).request;
}

const options: EncodeAnthropicRequestOptions = {
  model: "claude-sonnet-4-5",
  stream: false,
  samplingParameters: true,
};

const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
const tools = [
  { type: "function", function: { name: "get_weather", description: "Weather", parameters: schema } },
];

function thrown(action: () => unknown): GatewayError {
  try {
    action();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("expected a GatewayError");
}

describe("OpenAI-style request → Anthropic Messages request", () => {
  it("merges system and developer messages into the top-level system, wherever they are", () => {
    const body = encodeAnthropicRequest(
      fromOpenAI({
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "hi" },
          { role: "developer", content: "Use metric units." },
        ],
      }),
      options,
    );
    expect(body.system).toEqual([
      { type: "text", text: "Be brief." },
      { type: "text", text: "Use metric units." },
    ]);
    expect(body.messages).toEqual([{ role: "user", content: "hi" }]);

    const single = encodeAnthropicRequest(
      fromOpenAI({
        messages: [
          { role: "system", content: "Only one." },
          { role: "user", content: "hi" },
        ],
      }),
      options,
    );
    expect(single.system).toBe("Only one.");
  });

  it("merges consecutive turns of the same role, since the API wants them alternating", () => {
    const body = encodeAnthropicRequest(
      fromOpenAI({
        messages: [
          { role: "user", content: "first" },
          { role: "user", content: "second" },
          { role: "assistant", content: "ok" },
          { role: "assistant", content: "and more" },
        ],
      }),
      options,
    );
    expect(body.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "first" },
          { type: "text", text: "second" },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "text", text: "ok" },
          { type: "text", text: "and more" },
        ],
      },
    ]);
  });

  it("sends tool calls as tool_use blocks with parsed input, and tool messages as one user turn of tool_results", () => {
    const body = encodeAnthropicRequest(
      fromOpenAI({
        messages: [
          { role: "user", content: "Paris and Oslo?" },
          {
            role: "assistant",
            content: "Checking.",
            tool_calls: [
              {
                id: "toolu_1",
                type: "function",
                function: { name: "get_weather", arguments: '{"city":"Paris"}' },
              },
              { id: "toolu_2", type: "function", function: { name: "get_weather", arguments: "" } },
            ],
          },
          { role: "tool", tool_call_id: "toolu_1", content: "21C" },
          { role: "tool", tool_call_id: "toolu_2", content: [{ type: "text", text: "12C" }] },
          { role: "user", content: "And tomorrow?" },
        ],
      }),
      options,
    );
    expect(body.messages).toEqual([
      { role: "user", content: "Paris and Oslo?" },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Checking." },
          { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
          { type: "tool_use", id: "toolu_2", name: "get_weather", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: "21C" },
          { type: "tool_result", tool_use_id: "toolu_2", content: "12C" },
          { type: "text", text: "And tomorrow?" },
        ],
      },
    ]);
  });

  it("rejects tool arguments that are not a JSON object, naming the field", () => {
    const request = fromOpenAI({
      messages: [
        { role: "user", content: "x" },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "a", type: "function", function: { name: "f", arguments: "{oops" } }],
        },
      ],
    });
    const error = thrown(() => encodeAnthropicRequest(request, options));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.param).toBe("messages[1].tool_calls[0].function.arguments");
  });

  it("sends data-URL images as base64 sources and https images as url sources", () => {
    const body = encodeAnthropicRequest(
      fromOpenAI({
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "Compare" },
              { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
              { type: "image_url", image_url: { url: "https://example.com/sky.jpg", detail: "high" } },
            ],
          },
        ],
      }),
      options,
    );
    expect(body.messages[0]!.content).toEqual([
      { type: "text", text: "Compare" },
      { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
      { type: "image", source: { type: "url", url: "https://example.com/sky.jpg" } },
    ]);
  });

  it("rejects audio, which Anthropic models do not take", () => {
    const request = fromOpenAI({
      messages: [
        { role: "user", content: [{ type: "input_audio", input_audio: { data: "UklGR", format: "wav" } }] },
      ],
    });
    expect(thrown(() => encodeAnthropicRequest(request, options)).param).toBe("messages[0].content[0]");
  });

  it("maps tool_choice auto, required, a named function and none", () => {
    const choiceFor = (tool_choice: unknown, extra: Record<string, unknown> = {}) =>
      encodeAnthropicRequest(
        fromOpenAI({ messages: [{ role: "user", content: "x" }], tools, tool_choice, ...extra }),
        options,
      ).tool_choice;
    expect(choiceFor("auto")).toEqual({ type: "auto" });
    expect(choiceFor("required")).toEqual({ type: "any" });
    expect(choiceFor({ type: "function", function: { name: "get_weather" } })).toEqual({
      type: "tool",
      name: "get_weather",
    });
    expect(choiceFor("none")).toEqual({ type: "none" });
    expect(choiceFor(undefined)).toBeUndefined();
    expect(choiceFor(undefined, { parallel_tool_calls: false })).toEqual({
      type: "auto",
      disable_parallel_tool_use: true,
    });
    const body = encodeAnthropicRequest(
      fromOpenAI({ messages: [{ role: "user", content: "x" }], tools }),
      options,
    );
    expect(body.tools).toEqual([{ name: "get_weather", description: "Weather", input_schema: schema }]);
  });

  it("always sends max_tokens: the caller's, else a default for the model family", () => {
    const request = fromOpenAI({ messages: [{ role: "user", content: "x" }] });
    const maxTokens = (model: string) => encodeAnthropicRequest(request, { ...options, model }).max_tokens;
    expect(maxTokens("claude-3-haiku-20240307")).toBe(4096);
    expect(maxTokens("claude-3-5-sonnet-20241022")).toBe(8192);
    expect(maxTokens("claude-sonnet-4-5")).toBe(32000);
    expect(maxTokens("claude-opus-4-1-20250805")).toBe(32000);
    expect(maxTokens("some-compatible-model")).toBe(4096);
    const limited = fromOpenAI({ messages: [{ role: "user", content: "x" }], max_completion_tokens: 77 });
    expect(encodeAnthropicRequest(limited, options).max_tokens).toBe(77);
  });

  it("sends stop sequences, user and sampling parameters, and drops what Anthropic lacks", () => {
    const request = fromOpenAI({
      messages: [{ role: "user", content: "x" }],
      stop: "END",
      temperature: 0.3,
      top_p: 0.8,
      user: "user-7",
      seed: 42,
      presence_penalty: 1,
      top_k: 5,
    });
    expect(encodeAnthropicRequest(request, { ...options, stream: true })).toEqual({
      model: "claude-sonnet-4-5",
      max_tokens: 32000,
      messages: [{ role: "user", content: "x" }],
      stop_sequences: ["END"],
      temperature: 0.3,
      top_p: 0.8,
      metadata: { user_id: "user-7" },
      stream: true,
      top_k: 5,
    });
  });

  it("leaves temperature and top_p out when unset, and under API version 2026-10-21", () => {
    const unset = encodeAnthropicRequest(fromOpenAI({ messages: [{ role: "user", content: "x" }] }), options);
    expect(unset).not.toHaveProperty("temperature");
    expect(unset).not.toHaveProperty("top_p");
    const newer = encodeAnthropicRequest(
      fromOpenAI({ messages: [{ role: "user", content: "x" }], temperature: 0.3, top_p: 0.5 }),
      { ...options, samplingParameters: false },
    );
    expect(newer).not.toHaveProperty("temperature");
    expect(newer).not.toHaveProperty("top_p");
  });

  it("rejects n > 1, which Anthropic cannot honour", () => {
    const request = fromOpenAI({ messages: [{ role: "user", content: "x" }], n: 2 });
    expect(thrown(() => encodeAnthropicRequest(request, options)).param).toBe("n");
  });
});

describe("Anthropic Messages request → proto (the shim)", () => {
  const clientBody = {
    model: "gpt-test",
    max_tokens: 256,
    system: [{ type: "text", text: "Be brief." }],
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "What is this?" },
          { type: "image", source: { type: "base64", media_type: "image/jpeg", data: "/9j/4AAQ" } },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "Look it up.", signature: "sig" },
          { type: "tool_use", id: "toolu_1", name: "lookup", input: { q: "image" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: "a cat" },
          { type: "text", text: "Thanks" },
        ],
      },
    ],
    tools: [{ name: "lookup", description: "Look up", input_schema: { type: "object" } }],
    tool_choice: { type: "any", disable_parallel_tool_use: true },
    stop_sequences: ["STOP"],
    temperature: 0.5,
    metadata: { user_id: "u-1" },
    stream: true,
  };

  it("puts the system prompt first and tool results in tool messages before the rest of their turn", () => {
    const { request, stream } = decodeAnthropicRequest(clientBody);
    expect(stream).toBe(true);
    expect(request.messages.map((message) => Role[message.role])).toEqual([
      "SYSTEM",
      "USER",
      "ASSISTANT",
      "TOOL",
      "USER",
    ]);
    expect(request.messages[1]!.content[1]!.part).toMatchObject({
      case: "imageUrl",
      value: { url: "data:image/jpeg;base64,/9j/4AAQ" },
    });
    expect(request.messages[2]).toMatchObject({
      reasoningContent: "Look it up.",
      toolCalls: [{ id: "toolu_1", name: "lookup", arguments: '{"q":"image"}' }],
    });
    expect(request.messages[3]).toMatchObject({
      toolCallId: "toolu_1",
      content: [{ part: { value: "a cat" } }],
    });
    expect(request.toolChoice?.choice).toEqual({ case: "mode", value: ToolChoiceMode.REQUIRED });
    expect(request.parallelToolCalls).toBe(false);
    expect(request).toMatchObject({ maxTokens: 256, stop: ["STOP"], temperature: 0.5, user: "u-1" });
    // Anthropic streams always end with usage, so the shim asks the service for it.
    expect(request.streamOptions?.includeUsage).toBe(true);
  });

  it("round-trips through the provider encoder to the same Anthropic body", () => {
    const { request } = decodeAnthropicRequest(clientBody);
    const encoded = encodeAnthropicRequest(request, {
      model: "gpt-test",
      stream: true,
      samplingParameters: true,
    });
    // Reasoning is not sent back (Anthropic wants its signature); one system block is sent as a string.
    expect(encoded).toEqual({
      ...clientBody,
      system: "Be brief.",
      messages: [
        clientBody.messages[0],
        { role: "assistant", content: [clientBody.messages[1]!.content[1]] },
        clientBody.messages[2],
      ],
    });
  });

  it("requires max_tokens on /v1/messages but not for count_tokens", () => {
    const body = { model: "m", messages: [{ role: "user", content: "x" }] };
    expect(thrown(() => decodeAnthropicRequest(body)).param).toBe("max_tokens");
    expect(decodeAnthropicRequest(body, { requireMaxTokens: false }).request.maxTokens).toBeUndefined();
  });

  it("rejects malformed bodies with the field at fault", () => {
    const base = { model: "m", max_tokens: 5 };
    expect(thrown(() => decodeAnthropicRequest({ ...base, messages: [] })).param).toBe("messages");
    expect(
      thrown(() => decodeAnthropicRequest({ ...base, messages: [{ role: "tool", content: "x" }] })).param,
    ).toBe("messages[0].role");
    expect(
      thrown(() =>
        decodeAnthropicRequest({
          ...base,
          messages: [{ role: "user", content: "x" }],
          tools: [{ type: "web_search_20250305", name: "web" }],
        }),
      ).param,
    ).toBe("tools[0].type");
    expect(thrown(() => decodeAnthropicRequest("not an object")).code).toBe(Code.InvalidArgument);
  });

  it("keeps a mid-conversation system message (API version 2026-10-21) in place", () => {
    const { request } = decodeAnthropicRequest({
      model: "m",
      max_tokens: 5,
      messages: [
        { role: "user", content: "hi" },
        { role: "system", content: "Now answer in French." },
        { role: "user", content: "hello" },
      ],
    });
    expect(request.messages.map((message) => Role[message.role])).toEqual(["USER", "SYSTEM", "USER"]);
  });
});
