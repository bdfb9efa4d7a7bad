import { GatewayError } from "../../errors/gateway-error.js";
import type { SpeechCall } from "../../services/completion-service.js";

/**
 * An images, moderations or speech body as the gateway relays it: a JSON object
 * with a `model`; everything else goes upstream as the caller sent it but
 * LiteLLM's proxy-only `metadata`, which OpenAI would refuse.
 */
export function decodeRelayedBody(json: unknown): SpeechCall {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw GatewayError.invalidArgument("the request body must be a JSON object");
  }
  const { model, metadata: _metadata, ...rest } = json as Record<string, unknown>;
  if (typeof model !== "string" || model === "") {
    throw GatewayError.invalidArgument("model is required", "model");
  }
  const user = typeof rest.user === "string" ? rest.user : undefined;
  return { model, body: rest, user };
}
