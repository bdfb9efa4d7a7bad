import type { DescMessage } from "@bufbuild/protobuf";
import {
  ChatCompletionChunkSchema,
  ChatCompletionRequestSchema,
  ChatCompletionSchema,
  TextCompletionRequestSchema,
  TextCompletionSchema,
} from "../../gen/switchyard/v1/completion_pb.js";
import type { CallKind } from "../accounting/call-record.js";
import type { CachedMethod, ResponseCache } from "./response-cache.js";

/** What the Completion service calls through: the response cache, or `uncached`. */
export type CallCache = Pick<ResponseCache, "unary" | "stream" | "embeddings">;

/** No response cache configured: each call is made as it is (no extra layer). */
export const uncached: CallCache = {
  unary: (_method, _request, _context, call) => call(),
  stream: (_method, _request, _context, open) => open(),
  embeddings: (request, _context, call) => call(request),
};

function method<Request extends DescMessage, Message extends DescMessage>(
  kind: CallKind,
  stream: boolean,
  request: Request,
  message: Message,
): CachedMethod<Request, Message> {
  return { kind, stream, request, message };
}

export const cachedChat = method("chat", false, ChatCompletionRequestSchema, ChatCompletionSchema);
export const cachedChatStream = method("chat", true, ChatCompletionRequestSchema, ChatCompletionChunkSchema);
export const cachedText = method("text", false, TextCompletionRequestSchema, TextCompletionSchema);
export const cachedTextStream = method("text", true, TextCompletionRequestSchema, TextCompletionSchema);
