import { FinishReason } from "../../../gen/switchyard/v1/chat_pb.js";

/**
 * Gemini's `finishReason` (and a prompt's `blockReason`) against the proto's
 * finish reasons. Every safety-style stop is CONTENT_FILTER, OpenAI's name
 * for "the provider withheld the answer", so a caller sees one clear reason
 * whichever filter fired. A STOP that ends in function calls is TOOL_CALLS,
 * as OpenAI callers expect.
 *
 * | Gemini                                                          | FinishReason   |
 * |-----------------------------------------------------------------|----------------|
 * | STOP, FINISH_REASON_UNSPECIFIED, MALFORMED_FUNCTION_CALL, OTHER  | STOP           |
 * | MAX_TOKENS                                                      | LENGTH         |
 * | SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII, IMAGE_SAFETY, LANGUAGE | CONTENT_FILTER |
 */
const contentFilterReasons: ReadonlySet<string> = new Set([
  "SAFETY",
  "RECITATION",
  "BLOCKLIST",
  "PROHIBITED_CONTENT",
  "SPII",
  "IMAGE_SAFETY",
  "IMAGE_PROHIBITED_CONTENT",
  "LANGUAGE",
]);

export function decodeGeminiFinishReason(value: unknown, callsTools: boolean): FinishReason {
  if (typeof value !== "string") return FinishReason.UNSPECIFIED;
  if (value === "MAX_TOKENS") return FinishReason.LENGTH;
  if (contentFilterReasons.has(value)) return FinishReason.CONTENT_FILTER;
  return callsTools ? FinishReason.TOOL_CALLS : FinishReason.STOP;
}
