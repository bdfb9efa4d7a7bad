import { createHash } from "node:crypto";
import type { DescMessage, JsonObject, MessageShape } from "@bufbuild/protobuf";
import { toJson } from "@bufbuild/protobuf";
import type { CallKind } from "../accounting/call-record.js";
import { LITELLM_ONLY_FIELDS } from "../wire/litellm/control-fields.js";

/**
 * Request fields that do not change the answer: who asks (`user`), what
 * they log with it (`metadata`), and the LiteLLM control fields an RPC
 * caller's extra_body may carry.
 */
const IGNORED_FIELDS = ["user", "metadata"] as const;

/**
 * LiteLLM's cache key (caching/caching.py `get_cache_key`): the parameters
 * that change the answer, in a fixed order, hashed with SHA-256, under
 * `<namespace>:` when one is set. The model is the model group the caller
 * asked for, so every deployment of a group shares entries.
 */
export function cacheKey<Schema extends DescMessage>(
  kind: CallKind,
  stream: boolean,
  schema: Schema,
  request: MessageShape<Schema>,
  namespace: string | undefined,
): string {
  const params = answerParams(schema, request, []);
  return keyOf(`${kind}:${stream ? "stream" : "unary"}:${JSON.stringify(params)}`, namespace);
}

/** The request as JSON without the fields that do not change the answer (and `omitted`). */
export function answerParams<Schema extends DescMessage>(
  schema: Schema,
  request: MessageShape<Schema>,
  omitted: readonly string[],
): JsonObject {
  const params = toJson(schema, request) as JsonObject;
  for (const field of IGNORED_FIELDS) delete params[field];
  for (const field of omitted) delete params[field];
  const extraBody = params.extraBody;
  if (extraBody && typeof extraBody === "object" && !Array.isArray(extraBody)) {
    for (const field of Object.keys(extraBody)) if (LITELLM_ONLY_FIELDS.has(field)) delete extraBody[field];
  }
  return params;
}

/** One embedding input's key: the request's other parameters plus this input alone. */
export function embeddingInputKey(
  commonParams: string,
  input: unknown,
  namespace: string | undefined,
): string {
  return keyOf(`embeddings:${commonParams}:${JSON.stringify(input)}`, namespace);
}

function keyOf(text: string, namespace: string | undefined): string {
  const hash = createHash("sha256").update(text).digest("hex");
  return namespace ? `${namespace}:${hash}` : hash;
}
