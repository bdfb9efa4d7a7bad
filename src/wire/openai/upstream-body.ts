import type { JsonObject } from "@bufbuild/protobuf";
import { LITELLM_ONLY_FIELDS } from "../litellm/control-fields.js";

/**
 * Keys `extra_body` may not override in chat and text completion bodies:
 * `model` would let a caller reach a model other than the deployment's
 * (bypassing model access rules), and the gateway owns `stream` and
 * `stream_options` because it parses the response and needs usage for
 * accounting.
 */
const completionReservedKeys: ReadonlySet<string> = new Set(["model", "stream", "stream_options"]);

/**
 * Merges a request's `extra_body` into the upstream body, last, so a
 * caller's provider-specific value wins over a mapped one, except over the
 * `reserved` keys that decide where the call goes and how it comes back.
 */
export function mergeExtraBody(
  body: Record<string, unknown>,
  extraBody: JsonObject | undefined,
  reserved: ReadonlySet<string>,
): void {
  if (extraBody === undefined) return;
  for (const key of Object.keys(extraBody)) {
    // LiteLLM's own fields in a gRPC caller's extra_body steer the gateway, never the upstream.
    if (!reserved.has(key) && !LITELLM_ONLY_FIELDS.has(key)) body[key] = extraBody[key];
  }
}

/**
 * The end of a chat or text completion body: streaming always asks for
 * usage (the gateway accounts for it; the shim decides what the client
 * sees), and `extra_body` is merged last.
 */
export function finishCompletionBody(
  body: Record<string, unknown>,
  stream: boolean,
  extraBody: JsonObject | undefined,
): void {
  if (stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  mergeExtraBody(body, extraBody, completionReservedKeys);
}
