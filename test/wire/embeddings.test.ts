import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { CreateEmbeddingsResponseSchema, ModelSchema } from "../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../../src/errors/gateway-error.js";
import {
  decodeEmbeddingsRequest,
  decodeEmbeddingsResponse,
  encodeEmbeddingsRequest,
  encodeEmbeddingsResponse,
} from "../../src/wire/openai/embeddings.js";
import { encodeModel, encodeModelList } from "../../src/wire/openai/models.js";

/** float32 values, including extremes, that must survive base64 exactly. */
const float32Values = [
  0,
  -0,
  1,
  -1,
  0.1,
  -0.333,
  3.4028234663852886e38,
  1.401298464324817e-45,
  123456.789,
  Math.PI,
].map(Math.fround);

describe("embeddings requests", () => {
  it.each([
    ["one string", "hello"],
    ["strings", ["a", "b", "c"]],
    ["one token array", [1, 2, 3]],
    ["token arrays", [[1, 2], [3]]],
  ])("round-trips input as %s", (_name, input) => {
    const body = {
      model: "text-embedding-3-small",
      input,
      dimensions: 256,
      user: "u",
      encoding_format: "base64",
      extra: { a: 1 },
    };
    const { request, encodingFormat } = decodeEmbeddingsRequest(structuredClone(body));
    expect(encodingFormat).toBe("base64");
    expect(
      encodeEmbeddingsRequest(request, { model: "text-embedding-3-small", encodingFormat: "base64" }),
    ).toEqual(body);
  });

  it("defaults encoding_format to float, as OpenAI does", () => {
    expect(decodeEmbeddingsRequest({ model: "m", input: "x" }).encodingFormat).toBe("float");
  });

  it.each([
    ["missing model", { input: "x" }, "model"],
    ["missing input", { model: "m" }, "input"],
    ["empty input", { model: "m", input: [] }, "input"],
    ["mixed input", { model: "m", input: ["a", 1] }, "input[1]"],
    ["fractional token", { model: "m", input: [1, 2.5] }, "input[1]"],
    ["bad token in nested array", { model: "m", input: [[1], ["x"]] }, "input[1][0]"],
    ["bad encoding_format", { model: "m", input: "x", encoding_format: "int8" }, "encoding_format"],
    ["dimensions a string", { model: "m", input: "x", dimensions: "8" }, "dimensions"],
  ])("rejects %s with param %s", (_name, body, param) => {
    let thrown: unknown;
    try {
      decodeEmbeddingsRequest(body);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    expect((thrown as GatewayError).code).toBe(Code.InvalidArgument);
    expect((thrown as GatewayError).param).toBe(param);
  });
});

describe("embeddings responses", () => {
  const response = create(CreateEmbeddingsResponseSchema, {
    model: "text-embedding-3-small",
    embeddings: [
      { index: 0, values: float32Values },
      { index: 1, values: [0.5, -0.25] },
    ],
    usage: { promptTokens: 7, totalTokens: 7 },
  });

  it("encodes base64 as little-endian float32 and decodes it back exactly", () => {
    const encoded = encodeEmbeddingsResponse(response, "base64");
    const first = encoded.data[0]?.embedding;
    expect(typeof first).toBe("string");
    const bytes = Buffer.from(first as string, "base64");
    expect(bytes.byteLength).toBe(float32Values.length * 4);
    for (let index = 0; index < float32Values.length; index++) {
      expect(bytes.readFloatLE(index * 4)).toBe(float32Values[index]);
    }
    const decoded = decodeEmbeddingsResponse(JSON.parse(JSON.stringify(encoded)));
    expect(decoded.embeddings[0]?.values).toEqual(float32Values);
    expect(Object.is(decoded.embeddings[0]?.values[1], -0)).toBe(true);
    expect(decoded.embeddings[1]?.values).toEqual([0.5, -0.25]);
    expect(decoded.usage).toMatchObject({ promptTokens: 7, totalTokens: 7 });
  });

  it("decodes base64 vectors at any buffer alignment", () => {
    // Short base64 strings decode into Node's shared pool at arbitrary offsets.
    for (let length = 1; length <= 9; length++) {
      const values = float32Values.slice(0, length);
      const encoded = encodeEmbeddingsResponse(
        create(CreateEmbeddingsResponseSchema, { embeddings: [{ values }] }),
        "base64",
      );
      Buffer.from("x".repeat(length)); // shift the pool offset
      expect(decodeEmbeddingsResponse(encoded).embeddings[0]?.values).toEqual(values);
    }
  });

  it("encodes and decodes float arrays as they are", () => {
    const encoded = encodeEmbeddingsResponse(response, "float");
    expect(encoded).toEqual({
      object: "list",
      data: [
        { object: "embedding", index: 0, embedding: float32Values },
        { object: "embedding", index: 1, embedding: [0.5, -0.25] },
      ],
      model: "text-embedding-3-small",
      usage: { prompt_tokens: 7, total_tokens: 7 },
    });
    expect(decodeEmbeddingsResponse(encoded).embeddings[0]?.values).toEqual(float32Values);
  });

  it("rejects a vector that is neither floats nor whole float32 base64", () => {
    for (const embedding of ["AAA=", [1, "2"], { x: 1 }]) {
      expect(() => decodeEmbeddingsResponse({ data: [{ index: 0, embedding }] })).toThrow(
        "upstream returned an invalid response",
      );
    }
  });
});

describe("models", () => {
  it("encodes a model and a model list as OpenAI does", () => {
    const model = create(ModelSchema, {
      id: "gpt-4o",
      created: 1_700_000_000n,
      ownedBy: "openai",
      deploymentCount: 2,
    });
    expect(encodeModel(model)).toEqual({
      id: "gpt-4o",
      object: "model",
      created: 1_700_000_000,
      owned_by: "openai",
    });
    expect(encodeModelList([model])).toEqual({ object: "list", data: [encodeModel(model)] });
  });
});
