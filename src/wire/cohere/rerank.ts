import { create, type JsonObject } from "@bufbuild/protobuf";
import { UsageSchema } from "../../../gen/switchyard/v1/chat_pb.js";
import {
  type RerankRequest,
  RerankRequestSchema,
  type RerankResponse,
  RerankResponseSchema,
} from "../../../gen/switchyard/v1/completion_pb.js";
import { GatewayError, invalidUpstreamResponse } from "../../errors/gateway-error.js";
import { tokenCount } from "../anthropic/anthropic-usage.js";
import { isJsonObject } from "../openai/json-object.js";
import {
  invalidField,
  optionalBoolean,
  optionalInt32,
  requestBody,
  requiredNonEmptyString,
  requiredString,
} from "../openai/request-fields.js";

/**
 * Rerank in Cohere's shape, which is also LiteLLM's `/v1/rerank` shape:
 * used both ways, by the REST route (client side) and the Cohere provider
 * (upstream side).
 *
 * Request: `{model, query, documents, top_n?, return_documents?,
 * max_tokens_per_doc?}`; a document is a string or an object with `text`
 * (LiteLLM accepts both). Response: `{id, results: [{index,
 * relevance_score, document?: {text}}], meta: {billed_units:
 * {search_units}, tokens?}}`.
 */

/** Fields the decoder reads itself; every other field goes into extra_body. */
const knownFields: ReadonlySet<string> = new Set([
  "model",
  "query",
  "documents",
  "top_n",
  "return_documents",
  "max_tokens_per_doc",
]);

/** A client's rerank body as a RerankRequest; a wrong field is a 400 naming it. */
export function decodeRerankRequest(json: unknown): RerankRequest {
  const body = requestBody(json);
  const documents = body.documents;
  if (!Array.isArray(documents) || documents.length === 0) {
    throw GatewayError.invalidArgument("'documents' must be a non-empty list", "documents");
  }
  const request = create(RerankRequestSchema, {
    model: requiredNonEmptyString(body, "model", ""),
    query: requiredString(body, "query", ""),
    documents: documents.map((document, index) => {
      if (typeof document === "string") return document;
      if (isJsonObject(document) && typeof document.text === "string") return document.text;
      throw invalidField("", `documents[${index}]`, "a string or an object with 'text'");
    }),
    topN: optionalInt32(body, "top_n", ""),
    maxTokensPerDoc: optionalInt32(body, "max_tokens_per_doc", ""),
  });
  request.returnDocuments = optionalBoolean(body, "return_documents", "") ?? false;
  if (request.topN !== undefined && request.topN < 1) throw invalidField("", "top_n", "a positive integer");
  const extra: JsonObject = {};
  for (const [key, value] of Object.entries(body)) if (!knownFields.has(key)) extra[key] = value;
  if (Object.keys(extra).length > 0) request.extraBody = extra;
  return request;
}

/** LiteLLM's rerank response for a RerankResponse. */
export function encodeRerankResponse(response: RerankResponse): JsonObject {
  const meta: JsonObject = { billed_units: { search_units: response.searchUnits } };
  if (response.usage !== undefined) {
    meta.tokens = {
      input_tokens: response.usage.promptTokens,
      output_tokens: response.usage.completionTokens,
    };
  }
  return {
    id: response.id,
    results: response.results.map((result) => ({
      index: result.index,
      relevance_score: result.relevanceScore,
      ...(result.document !== undefined && { document: { text: result.document } }),
    })),
    meta,
  };
}

/** The Cohere v2 `/v2/rerank` body for a request. */
export function encodeCohereRerankRequest(request: RerankRequest, model: string): JsonObject {
  return {
    model,
    query: request.query,
    documents: request.documents,
    ...(request.topN !== undefined && { top_n: request.topN }),
    ...(request.maxTokensPerDoc !== undefined && { max_tokens_per_doc: request.maxTokensPerDoc }),
    ...request.extraBody,
  };
}

/**
 * Cohere's answer as a RerankResponse. v2 no longer returns documents, so
 * when the caller asked for them they are taken from the request by index.
 */
export function decodeCohereRerankResponse(
  json: unknown,
  request: RerankRequest,
  model: string,
): RerankResponse {
  if (!isJsonObject(json) || !Array.isArray(json.results)) throw invalidUpstreamResponse();
  const meta = isJsonObject(json.meta) ? json.meta : {};
  const billed = isJsonObject(meta.billed_units) ? meta.billed_units : {};
  const tokens = isJsonObject(meta.tokens) ? meta.tokens : undefined;
  return create(RerankResponseSchema, {
    id: typeof json.id === "string" ? json.id : "",
    model,
    results: json.results.map((result) => {
      if (
        !isJsonObject(result) ||
        typeof result.index !== "number" ||
        typeof result.relevance_score !== "number"
      ) {
        throw invalidUpstreamResponse();
      }
      const document = request.returnDocuments ? request.documents[result.index] : undefined;
      return {
        index: result.index,
        relevanceScore: result.relevance_score,
        ...(document !== undefined && { document }),
      };
    }),
    searchUnits: tokenCount(billed.search_units),
    ...(tokens !== undefined && {
      usage: create(UsageSchema, {
        promptTokens: tokenCount(tokens.input_tokens),
        completionTokens: tokenCount(tokens.output_tokens),
        totalTokens: tokenCount(tokens.input_tokens) + tokenCount(tokens.output_tokens),
      }),
    }),
  });
}
