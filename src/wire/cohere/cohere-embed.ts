import { create } from "@bufbuild/protobuf";
import { UsageSchema } from "../../../gen/switchyard/v1/chat_pb.js";
import {
  type CreateEmbeddingsRequest,
  type CreateEmbeddingsResponse,
  CreateEmbeddingsResponseSchema,
} from "../../../gen/switchyard/v1/completion_pb.js";
import { GatewayError, invalidUpstreamResponse } from "../../errors/gateway-error.js";
import { tokenCount } from "../anthropic/anthropic-usage.js";
import { isJsonObject } from "../openai/json-object.js";

/**
 * Embeddings on Cohere v2 `/v2/embed` (docs.cohere.com/reference/embed):
 * `texts`, `input_type` (extra_body's, else "search_document" as LiteLLM
 * sends), `embedding_types: ["float"]`, `output_dimension` from
 * `dimensions`. Token-id inputs have no place there and are a 400.
 */
export function encodeCohereEmbedRequest(
  request: CreateEmbeddingsRequest,
  model: string,
): Record<string, unknown> {
  const texts = request.inputs.map(({ input }, index) => {
    if (input.case === "text") return input.value;
    throw GatewayError.invalidArgument("Cohere embed takes text inputs only", `input[${index}]`);
  });
  return {
    model,
    texts,
    input_type: "search_document",
    embedding_types: ["float"],
    ...(request.dimensions !== undefined && { output_dimension: request.dimensions }),
    ...request.extraBody,
  };
}

/** `{"embeddings":{"float":[[…]]},"meta":{"billed_units":{"input_tokens"}}}` as vectors and usage. */
export function decodeCohereEmbedResponse(
  json: unknown,
  model: string,
  inputCount: number,
): CreateEmbeddingsResponse {
  const embeddings = isJsonObject(json) && isJsonObject(json.embeddings) ? json.embeddings.float : undefined;
  if (!Array.isArray(embeddings) || embeddings.length !== inputCount) throw invalidUpstreamResponse();
  const meta = isJsonObject(json) && isJsonObject(json.meta) ? json.meta : {};
  const promptTokens = tokenCount(isJsonObject(meta.billed_units) ? meta.billed_units.input_tokens : 0);
  return create(CreateEmbeddingsResponseSchema, {
    model,
    embeddings: embeddings.map((values, index) => {
      if (!Array.isArray(values) || !values.every((value) => typeof value === "number")) {
        throw invalidUpstreamResponse();
      }
      return { index, values };
    }),
    usage: create(UsageSchema, { promptTokens, totalTokens: promptTokens }),
  });
}
