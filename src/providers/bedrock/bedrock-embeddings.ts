import { create } from "@bufbuild/protobuf";
import { UsageSchema } from "../../../gen/switchyard/v1/chat_pb.js";
import {
  type CreateEmbeddingsRequest,
  type CreateEmbeddingsResponse,
  CreateEmbeddingsResponseSchema,
} from "../../../gen/switchyard/v1/completion_pb.js";
import { GatewayError, invalidUpstreamResponse } from "../../errors/gateway-error.js";
import { tokenCount } from "../../wire/anthropic/anthropic-usage.js";
import { isJsonObject } from "../../wire/openai/json-object.js";

/**
 * Embeddings through InvokeModel (`POST /model/{modelId}/invoke`), whose
 * body is the model family's own:
 *
 * - Amazon Titan (`amazon.titan-embed-*`): one `{"inputText"}` per call
 *   (with `dimensions` when asked, Titan v2), answered with `embedding` and
 *   `inputTextTokenCount`; several inputs are sent as parallel calls.
 * - Cohere (`cohere.embed-*`): every input in one `{"texts", "input_type"}`
 *   call (`input_type` from extra_body, else "search_document", as LiteLLM),
 *   answered with `embeddings`, a list of vectors; its token count is in
 *   the `x-amzn-bedrock-input-token-count` header.
 */
export type InvokeModel = (body: unknown) => Promise<{ json: unknown; inputTokens: number }>;

export async function bedrockEmbeddings(
  request: CreateEmbeddingsRequest,
  modelId: string,
  invoke: InvokeModel,
): Promise<CreateEmbeddingsResponse> {
  const texts = request.inputs.map(({ input }, index) => {
    if (input.case === "text") return input.value;
    throw GatewayError.invalidArgument("Bedrock embedding models take text inputs only", `input[${index}]`);
  });
  const family = modelId.replace(/^[a-z]{2,4}\./, "");
  if (family.startsWith("cohere.")) {
    const body: Record<string, unknown> = { texts, input_type: "search_document", ...request.extraBody };
    const { json, inputTokens } = await invoke(body);
    const vectors = isJsonObject(json) ? json.embeddings : undefined;
    const list = isJsonObject(vectors) ? vectors.float : vectors;
    if (!Array.isArray(list) || list.length !== texts.length) throw invalidUpstreamResponse();
    return response(modelId, list.map(vector), inputTokens);
  }
  if (family.startsWith("amazon.titan-embed")) {
    const answers = await Promise.all(
      texts.map((inputText) =>
        invoke({
          inputText,
          ...(request.dimensions !== undefined && { dimensions: request.dimensions }),
          ...request.extraBody,
        }),
      ),
    );
    let inputTokens = 0;
    const vectors = answers.map(({ json, inputTokens: headerTokens }) => {
      if (!isJsonObject(json)) throw invalidUpstreamResponse();
      inputTokens += tokenCount(json.inputTextTokenCount) || headerTokens;
      return vector(json.embedding);
    });
    return response(modelId, vectors, inputTokens);
  }
  throw GatewayError.invalidArgument(
    `Bedrock embeddings are served for amazon.titan-embed-* and cohere.embed-* models, not ${modelId}`,
    "model",
  );
}

function vector(value: unknown): number[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === "number"))
    throw invalidUpstreamResponse();
  return value;
}

function response(model: string, vectors: number[][], inputTokens: number): CreateEmbeddingsResponse {
  return create(CreateEmbeddingsResponseSchema, {
    model,
    embeddings: vectors.map((values, index) => ({ index, values })),
    usage: create(UsageSchema, { promptTokens: inputTokens, totalTokens: inputTokens }),
  });
}
