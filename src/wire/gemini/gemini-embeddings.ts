import { create } from "@bufbuild/protobuf";
import {
  type CreateEmbeddingsRequest,
  type CreateEmbeddingsResponse,
  CreateEmbeddingsResponseSchema,
} from "../../../gen/switchyard/v1/completion_pb.js";
import { GatewayError, invalidUpstreamResponse } from "../../errors/gateway-error.js";
import { tokenCount } from "../anthropic/anthropic-usage.js";
import { isJsonObject } from "../openai/json-object.js";

/**
 * Embeddings in Google's two shapes. Inputs must be text: neither API
 * takes token ids.
 *
 * AI Studio: one input is `embedContent` (`{content:{parts:[{text}]}}` →
 * `{embedding:{values}}`), several are `batchEmbedContents` (`{requests:
 * [{model:"models/<m>", content, outputDimensionality}]}` →
 * `{embeddings:[{values}]}`). Neither reports token usage.
 *
 * Vertex AI: `predict` (`{instances:[{content}], parameters:
 * {outputDimensionality}}` → `{predictions:[{embeddings:{values,
 * statistics:{token_count}}}]}`), with token counts.
 */

export type GeminiEmbedMethod = "embedContent" | "batchEmbedContents";

export function geminiEmbedMethod(request: CreateEmbeddingsRequest): GeminiEmbedMethod {
  return request.inputs.length === 1 ? "embedContent" : "batchEmbedContents";
}

export function encodeGeminiEmbedRequest(
  request: CreateEmbeddingsRequest,
  model: string,
): Record<string, unknown> {
  const texts = inputTexts(request);
  const one = (text: string): Record<string, unknown> => {
    const entry: Record<string, unknown> = { content: { parts: [{ text }] } };
    if (request.dimensions !== undefined) entry.outputDimensionality = request.dimensions;
    return { ...entry, ...request.extraBody };
  };
  if (texts.length === 1) return one(texts[0]!);
  return { requests: texts.map((text) => ({ model: `models/${model}`, ...one(text) })) };
}

export function decodeGeminiEmbedResponse(json: unknown, model: string): CreateEmbeddingsResponse {
  if (!isJsonObject(json)) throw invalidUpstreamResponse();
  const vectors = isJsonObject(json.embedding)
    ? [json.embedding]
    : Array.isArray(json.embeddings)
      ? json.embeddings
      : undefined;
  if (vectors === undefined) throw invalidUpstreamResponse();
  return create(CreateEmbeddingsResponseSchema, {
    model,
    embeddings: vectors.map((vector, index) => ({ index, values: valuesOf(vector) })),
    usage: { promptTokens: 0, totalTokens: 0 },
  });
}

export function encodeVertexPredictRequest(request: CreateEmbeddingsRequest): Record<string, unknown> {
  const body: Record<string, unknown> = { instances: inputTexts(request).map((content) => ({ content })) };
  if (request.dimensions !== undefined) body.parameters = { outputDimensionality: request.dimensions };
  return { ...body, ...request.extraBody };
}

export function decodeVertexPredictResponse(json: unknown, model: string): CreateEmbeddingsResponse {
  if (!isJsonObject(json) || !Array.isArray(json.predictions)) throw invalidUpstreamResponse();
  let tokens = 0;
  const embeddings = json.predictions.map((prediction, index) => {
    const embedding = isJsonObject(prediction) ? prediction.embeddings : undefined;
    if (!isJsonObject(embedding)) throw invalidUpstreamResponse();
    if (isJsonObject(embedding.statistics)) tokens += tokenCount(embedding.statistics.token_count);
    return { index, values: valuesOf(embedding) };
  });
  return create(CreateEmbeddingsResponseSchema, {
    model,
    embeddings,
    usage: { promptTokens: tokens, totalTokens: tokens },
  });
}

function inputTexts(request: CreateEmbeddingsRequest): string[] {
  return request.inputs.map((input, index) => {
    if (input.input.case === "text") return input.input.value;
    const path = `input[${index}]`;
    throw GatewayError.invalidArgument(`'${path}': Gemini embedding models take text, not token ids`, path);
  });
}

function valuesOf(vector: unknown): number[] {
  if (!isJsonObject(vector) || !Array.isArray(vector.values)) throw invalidUpstreamResponse();
  return vector.values.map((value) => (typeof value === "number" ? value : 0));
}
