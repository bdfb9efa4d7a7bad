import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { FinishReason, Role } from "../../gen/switchyard/v1/chat_pb.js";
import {
  type ChatCompletionChunk,
  ChatCompletionChunkSchema,
} from "../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { readSseEvents } from "../../src/http/sse.js";
import { createAnthropicStreamDecoder } from "../../src/wire/anthropic/anthropic-stream-decoder.js";
import { createAnthropicStreamEncoder } from "../../src/wire/anthropic/anthropic-stream-encoder.js";
import type { AnthropicStreamEvent } from "../../src/wire/anthropic/anthropic-types.js";

/**
 * A stream as the Messages API sends it for "check the weather" with a
 * tool: a text block, then a tool_use block whose input arrives as split
 * JSON (starting with the empty fragment the API sends first), a ping in
 * between, cumulative usage in message_delta.
 */
const recorded = `event: message_start
data: {"type":"message_start","message":{"id":"msg_01XFD","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":100,"output_tokens":2}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: ping
data: {"type": "ping"}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Let me check"}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" the weather."}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: content_block_start
data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x","name":"get_weather","input":{}}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"city\\": \\"San"}}

event: content_block_delta
data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" Francisco\\"}"}}

event: content_block_stop
data: {"type":"content_block_stop","index":1}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}

event: message_stop
data: {"type":"message_stop"}

`;

async function* bytesOf(text: string): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode(text);
}

async function decodeAll(text: string): Promise<ChatCompletionChunk[]> {
  const decoder = createAnthropicStreamDecoder();
  const chunks: ChatCompletionChunk[] = [];
  for await (const event of readSseEvents(bytesOf(text))) {
    const chunk = decoder.decode(JSON.parse(event.data));
    if (chunk) chunks.push(chunk);
  }
  expect(decoder.done).toBe(true);
  return chunks;
}

describe("the Anthropic stream decoder", () => {
  it("turns a recorded text + tool_use stream into OpenAI-shaped chunks", async () => {
    const chunks = await decodeAll(recorded);
    const shapes = chunks.map((chunk) => {
      const choice = chunk.choices[0];
      if (!choice) return { usage: chunk.usage };
      const shape: Record<string, unknown> = {};
      if (choice.role !== Role.UNSPECIFIED) shape.role = Role[choice.role];
      if (choice.content !== "") shape.content = choice.content;
      if (choice.toolCalls.length > 0) {
        shape.toolCalls = choice.toolCalls.map(({ index, id, name, arguments: args }) => ({
          index,
          id,
          name,
          args,
        }));
      }
      if (choice.finishReason !== FinishReason.UNSPECIFIED) shape.finish = FinishReason[choice.finishReason];
      return shape;
    });
    expect(shapes).toEqual([
      { role: "ASSISTANT" },
      { content: "Let me check" },
      { content: " the weather." },
      // The tool call is OpenAI's index 0, although it is Anthropic's content block 1.
      { toolCalls: [{ index: 0, id: "toolu_01T1x", name: "get_weather", args: "" }] },
      { toolCalls: [{ index: 0, id: "", name: "", args: '{"city": "San' }] },
      { toolCalls: [{ index: 0, id: "", name: "", args: ' Francisco"}' }] },
      { finish: "TOOL_CALLS" },
      {
        usage: expect.objectContaining({
          promptTokens: 572,
          completionTokens: 89,
          totalTokens: 661,
          cachedTokens: 100,
          cacheCreationTokens: 0,
        }),
      },
    ]);
    for (const chunk of chunks) {
      expect(chunk.id).toBe("msg_01XFD");
      expect(chunk.model).toBe("claude-sonnet-4-5");
    }
  });

  it("throws an error event as a GatewayError with the type's status", () => {
    const decoder = createAnthropicStreamDecoder();
    decoder.decode({ type: "message_start", message: { id: "msg_1", model: "m", usage: {} } });
    let caught: unknown;
    try {
      decoder.decode({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GatewayError);
    expect(caught).toMatchObject({
      code: Code.Unavailable,
      httpStatus: 502,
      retryable: true,
      rawMessage: "Overloaded",
    });
    expect(decoder.done).toBe(false);
  });
});

describe("the Anthropic stream encoder", () => {
  const chunk = (init: Parameters<typeof create<typeof ChatCompletionChunkSchema>>[1]) =>
    create(ChatCompletionChunkSchema, { id: "chatcmpl-1", model: "gpt-4o", created: 1n, ...init });

  const openAIStream = [
    chunk({ choices: [{ index: 0, role: Role.ASSISTANT }] }),
    chunk({ choices: [{ index: 0, content: "Let me" }] }),
    chunk({ choices: [{ index: 0, content: " check." }] }),
    chunk({
      choices: [{ index: 0, toolCalls: [{ index: 0, id: "call_1", name: "get_weather", arguments: "" }] }],
    }),
    chunk({ choices: [{ index: 0, toolCalls: [{ index: 0, arguments: '{"city":' }] }] }),
    chunk({ choices: [{ index: 0, toolCalls: [{ index: 0, arguments: '"Oslo"}' }] }] }),
    chunk({
      choices: [{ index: 0, toolCalls: [{ index: 1, id: "call_2", name: "get_time", arguments: "{}" }] }],
    }),
    chunk({ choices: [{ index: 0, finishReason: FinishReason.TOOL_CALLS }] }),
    chunk({ usage: { promptTokens: 30, completionTokens: 12, totalTokens: 42, cachedTokens: 10 } }),
  ];

  function encodeAll(chunks: readonly ChatCompletionChunk[]): AnthropicStreamEvent[] {
    const events: AnthropicStreamEvent[] = [];
    const encoder = createAnthropicStreamEncoder((event) => events.push(event));
    for (const item of chunks) encoder.encode(item);
    encoder.finish();
    return events;
  }

  it("writes the event sequence the SDK expects: start, blocks in order, delta, stop", () => {
    const events = encodeAll(openAIStream);
    expect(
      events.map((event) => (event.type === "content_block_start" ? event.content_block.type : event.type)),
    ).toEqual([
      "message_start",
      "text",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "tool_use",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "tool_use",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(events.at(-2)).toEqual({
      type: "message_delta",
      delta: { stop_reason: "tool_use", stop_sequence: null },
      // Cumulative, and in Anthropic's terms: input excludes the cached part.
      usage: {
        input_tokens: 20,
        output_tokens: 12,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 10,
      },
    });
  });

  it("round-trips through the decoder to the same text, tool calls, finish reason and usage", () => {
    const decoder = createAnthropicStreamDecoder();
    const decoded = encodeAll(openAIStream)
      .map((event) => decoder.decode(JSON.parse(JSON.stringify(event))))
      .filter((item): item is ChatCompletionChunk => item !== undefined);
    let text = "";
    const calls = new Map<number, { id: string; name: string; arguments: string }>();
    let finish = FinishReason.UNSPECIFIED;
    for (const item of decoded) {
      for (const choice of item.choices) {
        text += choice.content;
        for (const call of choice.toolCalls) {
          const entry = calls.get(call.index) ?? { id: call.id, name: call.name, arguments: "" };
          entry.arguments += call.arguments;
          calls.set(call.index, entry);
        }
        if (choice.finishReason !== FinishReason.UNSPECIFIED) finish = choice.finishReason;
      }
    }
    expect(text).toBe("Let me check.");
    expect([...calls.values()]).toEqual([
      { id: "call_1", name: "get_weather", arguments: '{"city":"Oslo"}' },
      { id: "call_2", name: "get_time", arguments: "{}" },
    ]);
    expect(finish).toBe(FinishReason.TOOL_CALLS);
    expect(decoded.at(-1)?.usage).toMatchObject({ promptTokens: 30, completionTokens: 12, cachedTokens: 10 });
    expect(decoder.done).toBe(true);
  });

  it("still writes a complete message for a stream without output", () => {
    const events = encodeAll([]);
    expect(events.map((event) => event.type)).toEqual(["message_start", "message_delta", "message_stop"]);
  });
});
