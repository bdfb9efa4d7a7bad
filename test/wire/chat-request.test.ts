import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { Role } from "../../gen/switchyard/v1/chat_pb.js";
import { ChatCompletionRequestSchema } from "../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { decodeChatRequest, encodeChatRequest } from "../../src/wire/openai/chat-request.js";

const weatherParameters = {
  type: "object",
  properties: {
    city: { type: "string", description: "City name" },
    units: { type: "string", enum: ["celsius", "fahrenheit"] },
    days: {
      type: "array",
      items: {
        type: "object",
        properties: { date: { type: "string" }, hours: { type: "array", items: { type: "integer" } } },
      },
    },
  },
  required: ["city"],
  additionalProperties: false,
};

/** Every field the codec maps, in the canonical form it writes back, plus extras it must forward. */
function richRequest(): Record<string, unknown> {
  return {
    model: "gpt-4o",
    messages: [
      { role: "developer", content: "Answer briefly." },
      { role: "system", content: "You are a weather bot.", name: "ops" },
      {
        role: "user",
        name: "alice",
        content: [
          { type: "text", text: "What is in these? 🌦️" },
          { type: "image_url", image_url: { url: "https://example.com/sky.png", detail: "high" } },
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
          { type: "input_audio", input_audio: { data: "UklGRiQAAABXQVZF", format: "wav" } },
          {
            type: "file",
            file: { file_data: "data:application/pdf;base64,JVBERi0x", filename: "report.pdf" },
          },
          { type: "file", file: { file_id: "file-abc123" } },
        ],
      },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          {
            id: "call_1",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          },
          { id: "call_2", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
        ],
      },
      { role: "tool", tool_call_id: "call_1", content: '{"celsius":21}' },
      {
        role: "tool",
        tool_call_id: "call_2",
        content: [
          { type: "text", text: "-3" },
          { type: "text", text: "°C" },
        ],
      },
      { role: "assistant", content: "Paris 21 °C, Oslo −3 °C." },
      { role: "assistant", content: null, refusal: "I can't share that." },
      { role: "user", content: "Thanks!" },
    ],
    tools: [
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "Current weather for a city",
          parameters: weatherParameters,
          strict: true,
        },
      },
      { type: "function", function: { name: "noop" } },
    ],
    tool_choice: { type: "function", function: { name: "get_weather" } },
    parallel_tool_calls: false,
    response_format: {
      type: "json_schema",
      json_schema: { name: "forecast", description: "A forecast", schema: weatherParameters, strict: true },
    },
    temperature: 0.7,
    top_p: 0.9,
    max_tokens: 256,
    stop: ["END", "\n\n"],
    seed: 1234567890123,
    n: 2,
    presence_penalty: 0.5,
    frequency_penalty: -0.25,
    logprobs: true,
    top_logprobs: 3,
    user: "user-42",
    metadata: { trace: "abc", team: "weather" },
    reasoning_effort: "low",
    stream: true,
    stream_options: { include_usage: true },
    // Unknown to the codec: must reach the upstream untouched.
    logit_bias: { "50256": -100 },
    service_tier: "flex",
    store: false,
    prediction: { type: "content", content: "Paris" },
    modalities: ["text"],
    web_search_options: { search_context_size: "low" },
    top_k: 40,
    safety_identifier: null,
  };
}

describe("decodeChatRequest / encodeChatRequest", () => {
  it("round-trips a request with every mapped field, images, tools and extras", () => {
    const input = richRequest();
    const { request, stream } = decodeChatRequest(structuredClone(input));
    expect(stream).toBe(true);
    // metadata is the caller's, for logs: LiteLLM does not send it upstream either.
    const { metadata, ...upstream } = input;
    expect(request.metadata).toEqual(metadata);
    expect(encodeChatRequest(request, { model: "gpt-4o", stream: true })).toEqual(upstream);
  });

  it("never sends LiteLLM's fields upstream from an RPC caller's extra_body either", () => {
    const { request } = decodeChatRequest({ model: "m", messages: [{ role: "user", content: "hi" }] });
    request.extraBody = { fallbacks: ["b"], mock_testing_fallbacks: true, service_tier: "flex" };
    expect(encodeChatRequest(request, { model: "up", stream: false })).toEqual({
      model: "up",
      messages: [{ role: "user", content: "hi" }],
      service_tier: "flex",
    });
  });

  it("reads LiteLLM's control fields and never sends them upstream", () => {
    const { request, control } = decodeChatRequest({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      fallbacks: ["b", { model: "c" }],
      num_retries: 2,
      timeout: 1.5,
      mock_response: "mocked",
      mock_testing_fallbacks: true,
      mock_testing_rate_limit_error: false,
      mock_timeout: true,
      tags: ["team-a"],
      user_config: { model_list: [] },
      metadata: { generation_name: "g", tags: ["x"] },
      user: "u-1",
    });
    expect(control).toEqual({
      fallbacks: ["b", "c"],
      numRetries: 2,
      timeoutMs: 1500,
      mockResponse: "mocked",
      mockTestingFallbacks: true,
      tags: ["team-a"],
    });
    expect(request.metadata).toEqual({ generation_name: "g", tags: '["x"]' });
    expect(encodeChatRequest(request, { model: "up", stream: false })).toEqual({
      model: "up",
      messages: [{ role: "user", content: "hi" }],
      user: "u-1",
    });
  });

  it("keeps every field through the proto binary encoding (the gRPC path)", () => {
    const input = richRequest();
    const { request } = decodeChatRequest(structuredClone(input));
    const decoded = fromBinary(ChatCompletionRequestSchema, toBinary(ChatCompletionRequestSchema, request));
    const { metadata, ...upstream } = input;
    expect(decoded.metadata).toEqual(metadata);
    expect(encodeChatRequest(decoded, { model: "gpt-4o", stream: true })).toEqual(upstream);
  });

  it("maps roles, content and parameters onto the proto", () => {
    const { request } = decodeChatRequest(richRequest());
    expect(request.messages.map((message) => message.role)).toEqual([
      Role.DEVELOPER,
      Role.SYSTEM,
      Role.USER,
      Role.ASSISTANT,
      Role.TOOL,
      Role.TOOL,
      Role.ASSISTANT,
      Role.ASSISTANT,
      Role.USER,
    ]);
    expect(request.messages[2]?.content[1]?.part).toMatchObject({
      case: "imageUrl",
      value: { url: "https://example.com/sky.png" },
    });
    expect(request.messages[3]?.toolCalls.map((call) => call.id)).toEqual(["call_1", "call_2"]);
    expect(request.messages[4]?.toolCallId).toBe("call_1");
    expect(request.seed).toBe(1234567890123n);
    expect(request.maxTokens).toBe(256);
    expect(request.tools[0]?.parameters).toEqual(weatherParameters);
    expect(request.toolChoice?.choice).toEqual({ case: "functionName", value: "get_weather" });
    expect(request.streamOptions?.includeUsage).toBe(true);
    expect(Object.keys(request.extraBody ?? {}).sort()).toEqual(
      [
        "logit_bias",
        "modalities",
        "prediction",
        "safety_identifier",
        "service_tier",
        "store",
        "top_k",
        "web_search_options",
      ].sort(),
    );
  });

  it("sends a plain string for a lone text part and content null for a tool-calling assistant", () => {
    const { request } = decodeChatRequest({
      model: "m",
      messages: [
        { role: "user", content: [{ type: "text", text: "hi" }] },
        {
          role: "assistant",
          tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{}" } }],
        },
      ],
    });
    const body = encodeChatRequest(request, { model: "m", stream: false });
    expect(body.messages[0]).toEqual({ role: "user", content: "hi" });
    expect(body.messages[1]?.content).toBeNull();
  });

  it("treats max_tokens and max_completion_tokens as aliases, the latter winning", () => {
    const both = decodeChatRequest({
      model: "m",
      messages: [{ role: "user", content: "x" }],
      max_tokens: 10,
      max_completion_tokens: 20,
    });
    expect(both.request.maxTokens).toBe(20);
    const legacy = decodeChatRequest({
      model: "m",
      messages: [{ role: "user", content: "x" }],
      max_tokens: 10,
    });
    expect(legacy.request.maxTokens).toBe(10);
  });

  it("sends max_completion_tokens to OpenAI reasoning models and max_tokens elsewhere, or as told", () => {
    const { request } = decodeChatRequest({
      model: "m",
      messages: [{ role: "user", content: "x" }],
      max_completion_tokens: 64,
    });
    for (const model of ["o1", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini"]) {
      const body = encodeChatRequest(request, { model, stream: false });
      expect(body).toMatchObject({ max_completion_tokens: 64 });
      expect(body).not.toHaveProperty("max_tokens");
    }
    for (const model of ["gpt-4o", "gpt-4.1-mini", "llama-3.1-8b-instruct"]) {
      const body = encodeChatRequest(request, { model, stream: false });
      expect(body).toMatchObject({ max_tokens: 64 });
      expect(body).not.toHaveProperty("max_completion_tokens");
    }
    const told = encodeChatRequest(request, {
      model: "my-azure-deployment",
      stream: false,
      maxTokensField: "max_completion_tokens",
    });
    expect(told).toMatchObject({ max_completion_tokens: 64 });
  });

  it("always asks a streaming upstream for usage, and leaves out what is unset", () => {
    const { request } = decodeChatRequest({
      model: "group",
      messages: [{ role: "user", content: "x" }],
      stream: true,
    });
    expect(encodeChatRequest(request, { model: "gpt-4o-mini", stream: true })).toEqual({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "x" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(encodeChatRequest(request, { model: "gpt-4o-mini", stream: false })).toEqual({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "x" }],
    });
  });

  it("normalises the other accepted spellings: stop string, tool_choice mode, nulls", () => {
    const { request, stream } = decodeChatRequest({
      model: "m",
      messages: [{ role: "user", content: "x" }],
      stop: "END",
      tool_choice: "required",
      temperature: null,
      stream: null,
      response_format: { type: "json_object" },
    });
    expect(stream).toBe(false);
    const body = encodeChatRequest(request, { model: "m", stream: false });
    expect(body.stop).toEqual(["END"]);
    expect(body.tool_choice).toBe("required");
    expect(body.response_format).toEqual({ type: "json_object" });
    expect(body).not.toHaveProperty("temperature");
  });

  it("forwards a tool_choice form the proto cannot express instead of rejecting it", () => {
    const allowed = {
      type: "allowed_tools",
      allowed_tools: { mode: "auto", tools: [{ type: "function", function: { name: "f" } }] },
    };
    const { request } = decodeChatRequest({
      model: "m",
      messages: [{ role: "user", content: "x" }],
      tool_choice: allowed,
    });
    expect(encodeChatRequest(request, { model: "m", stream: false }).tool_choice).toEqual(allowed);
  });

  it("lets extra_body override mapped fields but never model or stream settings", () => {
    const { request } = decodeChatRequest({
      model: "m",
      messages: [{ role: "user", content: "x" }],
      temperature: 1,
    });
    request.extraBody = { temperature: 0.2, model: "o1-pro", stream: false, stream_options: {}, top_k: 5 };
    const body = encodeChatRequest(request, { model: "gpt-4o", stream: true });
    expect(body).toMatchObject({
      model: "gpt-4o",
      temperature: 0.2,
      stream: true,
      stream_options: { include_usage: true },
      top_k: 5,
    });
  });

  it("accepts an image_url given as a bare string", () => {
    const { request } = decodeChatRequest({
      model: "m",
      messages: [{ role: "user", content: [{ type: "image_url", image_url: "https://example.com/a.png" }] }],
    });
    expect(encodeChatRequest(request, { model: "m", stream: false }).messages[0]?.content).toEqual([
      { type: "image_url", image_url: { url: "https://example.com/a.png" } },
    ]);
  });
});

describe("decodeChatRequest validation", () => {
  const user = { role: "user", content: "hi" };
  const cases: [string, unknown, string | undefined][] = [
    ["body not an object", [1, 2], undefined],
    ["body null", null, undefined],
    ["missing model", { messages: [user] }, "model"],
    ["empty model", { model: "", messages: [user] }, "model"],
    ["model not a string", { model: 4, messages: [user] }, "model"],
    ["missing messages", { model: "m" }, "messages"],
    ["empty messages", { model: "m", messages: [] }, "messages"],
    ["messages not an array", { model: "m", messages: "hi" }, "messages"],
    ["message not an object", { model: "m", messages: [user, "hi"] }, "messages[1]"],
    ["bad role", { model: "m", messages: [user, { role: "robot", content: "x" }] }, "messages[1].role"],
    [
      "legacy function role",
      { model: "m", messages: [{ role: "function", name: "f", content: "x" }] },
      "messages[0].role",
    ],
    ["missing role", { model: "m", messages: [{ content: "x" }] }, "messages[0].role"],
    ["user without content", { model: "m", messages: [{ role: "user" }] }, "messages[0].content"],
    ["content a number", { model: "m", messages: [{ role: "user", content: 5 }] }, "messages[0].content"],
    [
      "unknown part type",
      { model: "m", messages: [{ role: "user", content: [{ type: "video", video: {} }] }] },
      "messages[0].content[0].type",
    ],
    [
      "image without url",
      { model: "m", messages: [{ role: "user", content: [{ type: "image_url", image_url: {} }] }] },
      "messages[0].content[0].image_url.url",
    ],
    [
      "bad image detail",
      {
        model: "m",
        messages: [
          { role: "user", content: [{ type: "image_url", image_url: { url: "u", detail: "max" } }] },
        ],
      },
      "messages[0].content[0].image_url.detail",
    ],
    [
      "tool without tool_call_id",
      { model: "m", messages: [user, { role: "tool", content: "42" }] },
      "messages[1].tool_call_id",
    ],
    [
      "tool call without name",
      {
        model: "m",
        messages: [
          { role: "assistant", tool_calls: [{ id: "c", type: "function", function: { arguments: "{}" } }] },
        ],
      },
      "messages[0].tool_calls[0].function.name",
    ],
    ["temperature a string", { model: "m", messages: [user], temperature: "hot" }, "temperature"],
    ["top_p a boolean", { model: "m", messages: [user], top_p: true }, "top_p"],
    ["max_tokens fractional", { model: "m", messages: [user], max_tokens: 1.5 }, "max_tokens"],
    [
      "max_completion_tokens a string",
      { model: "m", messages: [user], max_completion_tokens: "9" },
      "max_completion_tokens",
    ],
    ["n too large for int32", { model: "m", messages: [user], n: 2 ** 40 }, "n"],
    ["seed fractional", { model: "m", messages: [user], seed: 0.5 }, "seed"],
    ["stream a string", { model: "m", messages: [user], stream: "yes" }, "stream"],
    [
      "include_usage a string",
      { model: "m", messages: [user], stream_options: { include_usage: "y" } },
      "stream_options.include_usage",
    ],
    ["stop element a number", { model: "m", messages: [user], stop: ["a", 1] }, "stop[1]"],
    ["metadata a list", { model: "m", messages: [user], metadata: ["a"] }, "metadata"],
    ["num_retries a string", { model: "m", messages: [user], num_retries: "2" }, "num_retries"],
    ["fallbacks a number", { model: "m", messages: [user], fallbacks: 3 }, "fallbacks"],
    [
      "tool without name",
      { model: "m", messages: [user], tools: [{ type: "function", function: { name: "" } }] },
      "tools[0].function.name",
    ],
    [
      "tool parameters an array",
      {
        model: "m",
        messages: [user],
        tools: [{ type: "function", function: { name: "f", parameters: [] } }],
      },
      "tools[0].function.parameters",
    ],
    [
      "custom tool",
      { model: "m", messages: [user], tools: [{ type: "custom", custom: { name: "f" } }] },
      "tools[0].type",
    ],
    ["bad tool_choice mode", { model: "m", messages: [user], tool_choice: "always" }, "tool_choice"],
    [
      "tool_choice without function name",
      { model: "m", messages: [user], tool_choice: { type: "function", function: {} } },
      "tool_choice.function.name",
    ],
    [
      "bad response_format type",
      { model: "m", messages: [user], response_format: { type: "yaml" } },
      "response_format.type",
    ],
    [
      "json_schema without schema object",
      { model: "m", messages: [user], response_format: { type: "json_schema" } },
      "response_format.json_schema",
    ],
  ];

  it.each(cases)("rejects %s with InvalidArgument and param %s", (_name, body, param) => {
    let thrown: unknown;
    try {
      decodeChatRequest(body);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    const error = thrown as GatewayError;
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.httpStatus).toBe(400);
    expect(error.type).toBe("invalid_request_error");
    expect(error.param).toBe(param);
    if (param !== undefined) expect(error.rawMessage).toContain(param);
  });

  it("explains the legacy function role", () => {
    expect(() =>
      decodeChatRequest({ model: "m", messages: [{ role: "function", name: "f", content: "x" }] }),
    ).toThrow(/legacy 'function' role/);
  });

  it("does not reject unknown top-level fields", () => {
    expect(() =>
      decodeChatRequest({
        model: "m",
        messages: [{ role: "user", content: "x" }],
        brand_new_param: { a: [1] },
      }),
    ).not.toThrow();
  });
});
