import { create, type JsonValue } from "@bufbuild/protobuf";
import {
  type CreateEmbeddingsRequest,
  CreateEmbeddingsRequestSchema,
  type CreateEmbeddingsResponse,
  CreateEmbeddingsResponseSchema,
  type Embedding,
  type EmbeddingInput,
  EmbeddingInputSchema,
  EmbeddingSchema,
} from "../../../gen/switchyard/v1/completion_pb.js";
import { GatewayError, invalidUpstreamResponse } from "../../errors/gateway-error.js";
import { type DecodedRequest, readCallControl } from "../litellm/control-fields.js";
import { decodeFloat32Base64, encodeFloat32Base64 } from "./float32-base64.js";
import { isJsonObject } from "./json-object.js";
import { decodeStreamError } from "./openai-error.js";
import type {
  OpenAIEmbedding,
  OpenAIEmbeddingInput,
  OpenAIEmbeddingsRequest,
  OpenAIEmbeddingsResponse,
} from "./openai-types.js";
import {
  invalidField,
  optionalInt32,
  optionalString,
  requestBody,
  requiredNonEmptyString,
  unknownFields,
} from "./request-fields.js";
import { mergeExtraBody } from "./upstream-body.js";
import { decodeUsage } from "./usage.js";

/**
 * `POST /v1/embeddings` between OpenAI JSON and switchyard.v1
 * CreateEmbeddingsRequest/Response. `encoding_format` is not in the proto:
 * it is how vectors travel, so the shim keeps the client's choice beside the
 * request and the provider picks its own for the upstream.
 */

export type EncodingFormat = "float" | "base64";

const knownRequestKeys: ReadonlySet<string> = new Set([
  "model",
  "input",
  "encoding_format",
  "dimensions",
  "user",
]);

/** Keys extra_body may not override upstream: those that decide which model answers and how. */
const reservedUpstreamKeys: ReadonlySet<string> = new Set(["model", "input", "encoding_format"]);

export interface DecodedEmbeddingsRequest extends DecodedRequest<CreateEmbeddingsRequest> {
  /** The client's `encoding_format`; OpenAI's default is "float". */
  encodingFormat: EncodingFormat;
}

export function decodeEmbeddingsRequest(json: unknown): DecodedEmbeddingsRequest {
  const body = requestBody(json);
  const extraBody = unknownFields(body, knownRequestKeys);
  const model = requiredNonEmptyString(body, "model", "");
  const inputs = decodeInputs(body.input);
  const format = optionalString(body, "encoding_format", "") ?? "float";
  if (format !== "float" && format !== "base64")
    throw invalidField("", "encoding_format", "'float' or 'base64'");
  const request = create(CreateEmbeddingsRequestSchema, {
    model,
    inputs,
    dimensions: optionalInt32(body, "dimensions", ""),
    user: optionalString(body, "user", "") ?? "",
    extraBody,
  });
  return { request, encodingFormat: format, control: readCallControl(body) };
}

const inputExpected = "a string, an array of strings, an array of token ids or an array of token id arrays";

function decodeInputs(value: JsonValue | undefined): EmbeddingInput[] {
  if (value === undefined || value === null)
    throw GatewayError.invalidArgument("'input' is required", "input");
  if (typeof value === "string") return [textInput(value)];
  if (!Array.isArray(value)) throw invalidField("", "input", inputExpected);
  if (value.length === 0) throw GatewayError.invalidArgument("'input' must not be empty", "input");
  const first = value[0];
  // One array of numbers is one tokenised input.
  if (typeof first === "number") return [tokensInput(value, "input")];
  const inputs: EmbeddingInput[] = new Array(value.length);
  for (let index = 0; index < value.length; index++) {
    const item = value[index];
    if (typeof first === "string" && typeof item === "string") inputs[index] = textInput(item);
    else if (Array.isArray(first) && Array.isArray(item))
      inputs[index] = tokensInput(item, `input[${index}]`);
    else
      throw GatewayError.invalidArgument(
        `'input[${index}]': ${inputExpected} is expected`,
        `input[${index}]`,
      );
  }
  return inputs;
}

function textInput(text: string): EmbeddingInput {
  return create(EmbeddingInputSchema, { input: { case: "text", value: text } });
}

function tokensInput(ids: JsonValue[], path: string): EmbeddingInput {
  for (let index = 0; index < ids.length; index++) {
    const id = ids[index];
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id > 2147483647) {
      throw GatewayError.invalidArgument(`'${path}[${index}]' must be a token id`, `${path}[${index}]`);
    }
  }
  // Every element was checked to be an int32: the parsed array is used as is.
  return create(EmbeddingInputSchema, { input: { case: "tokens", value: { ids: ids as number[] } } });
}

export interface EncodeEmbeddingsRequestOptions {
  /** The model as the upstream names it. */
  model: string;
  /** What to ask the upstream for; base64 is smaller and faster to parse. */
  encodingFormat: EncodingFormat;
}

/** The upstream body. One input is sent bare (a string or one token array), several as an array. */
export function encodeEmbeddingsRequest(
  request: CreateEmbeddingsRequest,
  options: EncodeEmbeddingsRequestOptions,
): OpenAIEmbeddingsRequest {
  const body: OpenAIEmbeddingsRequest = {
    model: options.model,
    input: encodeInputs(request.inputs),
    encoding_format: options.encodingFormat,
  };
  if (request.dimensions !== undefined) body.dimensions = request.dimensions;
  if (request.user !== "") body.user = request.user;
  mergeExtraBody(body, request.extraBody, reservedUpstreamKeys);
  return body;
}

function encodeInputs(inputs: readonly EmbeddingInput[]): OpenAIEmbeddingInput {
  const texts: string[] = [];
  const tokens: number[][] = [];
  for (const { input } of inputs) {
    if (input.case === "text") texts.push(input.value);
    else if (input.case === "tokens") tokens.push(input.value.ids);
  }
  if (texts.length + tokens.length !== inputs.length || (texts.length > 0 && tokens.length > 0)) {
    throw GatewayError.invalidArgument("'input' must be all text or all token ids", "input");
  }
  if (texts.length === 1) return texts[0]!;
  if (texts.length > 1) return texts;
  if (tokens.length === 1) return tokens[0]!;
  if (tokens.length > 1) return tokens;
  throw GatewayError.invalidArgument("'input' is required", "input");
}

/**
 * Reads an upstream's embeddings body, with each vector as floats or as
 * base64 float32. Throws only for a body that is not an object, an error
 * object, or a vector that is neither.
 */
export function decodeEmbeddingsResponse(json: unknown): CreateEmbeddingsResponse {
  if (!isJsonObject(json)) throw invalidUpstreamResponse();
  if (json.error !== undefined && json.error !== null && json.data === undefined) {
    throw decodeStreamError(json.error);
  }
  const embeddings: Embedding[] = [];
  if (!Array.isArray(json.data)) throw invalidUpstreamResponse(undefined, "upstream answer has no data");
  for (let position = 0; position < json.data.length; position++) {
    const item = json.data[position];
    if (!isJsonObject(item)) continue;
    embeddings.push(
      create(EmbeddingSchema, {
        index: typeof item.index === "number" ? item.index : position,
        values: decodeVector(item.embedding),
      }),
    );
  }
  return create(CreateEmbeddingsResponseSchema, {
    model: typeof json.model === "string" ? json.model : "",
    embeddings,
    usage: decodeUsage(json.usage),
  });
}

function decodeVector(value: JsonValue | undefined): number[] {
  if (typeof value === "string") {
    const values = decodeFloat32Base64(value);
    if (values === undefined) throw invalidUpstreamResponse();
    return values;
  }
  if (!Array.isArray(value)) throw invalidUpstreamResponse();
  for (let index = 0; index < value.length; index++) {
    if (typeof value[index] !== "number") throw invalidUpstreamResponse();
  }
  // Every element was checked to be a number: the parsed array is used as is.
  return value as number[];
}

/** The body for `POST /v1/embeddings`, vectors in the format the client asked for. */
export function encodeEmbeddingsResponse(
  response: CreateEmbeddingsResponse,
  encodingFormat: EncodingFormat,
): OpenAIEmbeddingsResponse {
  const data: OpenAIEmbedding[] = response.embeddings.map((embedding) => ({
    object: "embedding",
    index: embedding.index,
    embedding: encodingFormat === "base64" ? encodeFloat32Base64(embedding.values) : embedding.values,
  }));
  return {
    object: "list",
    data,
    model: response.model,
    usage: {
      prompt_tokens: response.usage?.promptTokens ?? 0,
      total_tokens: response.usage?.totalTokens ?? 0,
    },
  };
}
