import { create, toBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role } from "../../gen/switchyard/v1/chat_pb.js";
import { ChatCompletionRequestSchema } from "../../gen/switchyard/v1/completion_pb.js";
import { encodeGrpcMessage } from "../../src/server/grpc-message.js";
import { type Fixture, startFixture } from "../helpers/fixture.js";
import { MASTER_KEY } from "../helpers/master-key.js";

describe("grpc-message encoding", () => {
  it("leaves printable ASCII as is, reserved characters included", () => {
    expect(encodeGrpcMessage("No key: send 'Authorization: Bearer <key>', a/b?c=d&e#f")).toBe(
      "No key: send 'Authorization: Bearer <key>', a/b?c=d&e#f",
    );
  });

  it("escapes '%', control characters and non-ASCII bytes as UTF-8", () => {
    expect(encodeGrpcMessage("100% ü\n€")).toBe("100%25 %C3%BC%0A%E2%82%AC");
  });
});

describe("grpc-message in a gRPC-web trailer frame", () => {
  let fixture: Fixture;
  beforeAll(async () => {
    fixture = await startFixture();
  });
  afterAll(() => fixture.close());

  it("is written in the spec's encoding", async () => {
    const message = toBinary(
      ChatCompletionRequestSchema,
      create(ChatCompletionRequestSchema, {
        model: "100% ünknown, model",
        messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "hi" } }] }],
      }),
    );
    const frame = new Uint8Array(5 + message.length);
    new DataView(frame.buffer).setUint32(1, message.length);
    frame.set(message, 5);
    const response = await fetch(
      `${fixture.gateway.url}/switchyard.v1.CompletionService/CreateChatCompletion`,
      {
        method: "POST",
        headers: {
          "content-type": "application/grpc-web+proto",
          "x-grpc-web": "1",
          authorization: `Bearer ${MASTER_KEY}`,
        },
        body: frame,
      },
    );
    const body = new Uint8Array(await response.arrayBuffer());
    expect(body[0]).toBe(0x80);
    const trailer = Buffer.from(body.subarray(5)).toString("utf8");
    expect(trailer).toContain("grpc-status: 5\r\n");
    expect(trailer).toMatch(/grpc-message: [^\r]*100%25 %C3%BCnknown, model/);
  });
});
