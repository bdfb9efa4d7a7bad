import { EventStreamCodec } from "@smithy/core/event-streams";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { readBedrockEventStream } from "../../src/providers/bedrock/bedrock-event-stream.js";

const codec = new EventStreamCodec(toUtf8, fromUtf8);

function frame(messageType: string, typeHeader: string, name: string, payload: unknown): Uint8Array {
  return codec.encode({
    headers: {
      [typeHeader]: { type: "string", value: name },
      ":content-type": { type: "string", value: "application/json" },
      ":message-type": { type: "string", value: messageType },
    },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

async function read(body: AsyncIterable<Uint8Array>) {
  const events = [];
  for await (const event of readBedrockEventStream(body)) events.push(event);
  return events;
}

const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));

describe("the Bedrock event-stream reader", () => {
  const start = frame("event", ":event-type", "messageStart", { role: "assistant" });
  const delta = frame("event", ":event-type", "contentBlockDelta", {
    contentBlockIndex: 0,
    delta: { text: "hi" },
  });

  it("reassembles frames split across reads, however small", async () => {
    expect(await read(chunksOf(concat(start, delta), 3))).toEqual([
      { eventType: "messageStart", payload: { role: "assistant" } },
      { eventType: "contentBlockDelta", payload: { contentBlockIndex: 0, delta: { text: "hi" } } },
    ]);
  });

  it("throws an exception message as its mapped error", async () => {
    const exception = frame("exception", ":exception-type", "throttlingException", { message: "slow down" });
    const error = await read(chunksOf(concat(start, exception), 64)).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).httpStatus).toBe(429);
    expect((error as GatewayError).rawMessage).toBe("ThrottlingException: slow down");
  });

  it("treats a corrupted frame (CRC mismatch) and a truncated one as an invalid upstream response", async () => {
    const corrupted = Uint8Array.from(delta);
    corrupted[corrupted.length - 6] = (corrupted[corrupted.length - 6] ?? 0) ^ 0xff;
    for (const body of [concat(start, corrupted), concat(start, delta.subarray(0, delta.length - 3))]) {
      const error = await read(chunksOf(body, 16)).catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).httpStatus).toBe(502);
    }
  });
});
