import { type ChatMessage, type ContentPart, Role } from "../../../gen/switchyard/v1/chat_pb.js";
import type {
  ChatCompletionRequest,
  TextCompletionRequest,
} from "../../../gen/switchyard/v1/completion_pb.js";
import type { CallKind } from "../../accounting/call-record.js";

/**
 * Message contents in the GenAI conventions' JSON shapes (gen-ai-input-messages.json,
 * gen-ai-output-messages.json): `[{role, parts: [{type: "text", content}, …]}]`.
 * Images, audio and files are marked by type only: their payloads (often
 * base64 data URLs) would swamp a span and a trace backend.
 */
interface MessagePart {
  readonly type: string;
  readonly [key: string]: unknown;
}

interface SpanMessage {
  readonly role: string;
  readonly parts: MessagePart[];
  readonly name?: string;
}

/** gen_ai.input.messages for a chat or text request; undefined for embeddings. */
export function inputMessages(kind: CallKind, request: unknown): string | undefined {
  if (kind === "chat") {
    const messages = (request as Partial<ChatCompletionRequest>).messages ?? [];
    return JSON.stringify(messages.map(spanMessage));
  }
  if (kind === "text") {
    const prompts = (request as Partial<TextCompletionRequest>).prompt ?? [];
    return JSON.stringify(prompts.map((content) => ({ role: "user", parts: [{ type: "text", content }] })));
  }
  return undefined;
}

/**
 * gen_ai.output.messages for the answer's text (first choice). The finish
 * reason the schema asks for is not known here (call records do not carry
 * it), so it is left out rather than guessed.
 */
export function outputMessages(output: string): string {
  return JSON.stringify([{ role: "assistant", parts: [{ type: "text", content: output }] }]);
}

const roles: Readonly<Record<Role, string>> = {
  [Role.UNSPECIFIED]: "user",
  [Role.SYSTEM]: "system",
  // The conventions have no developer role; it is the newer name for system.
  [Role.DEVELOPER]: "system",
  [Role.USER]: "user",
  [Role.ASSISTANT]: "assistant",
  [Role.TOOL]: "tool",
};

function spanMessage(message: ChatMessage): SpanMessage {
  const parts: MessagePart[] =
    message.role === Role.TOOL
      ? [{ type: "tool_call_response", id: message.toolCallId, response: textOf(message.content) }]
      : message.content.map(spanPart);
  for (const call of message.toolCalls) {
    parts.push({ type: "tool_call", id: call.id, name: call.name, arguments: call.arguments });
  }
  return { role: roles[message.role] ?? "user", parts, ...(message.name && { name: message.name }) };
}

function spanPart(part: ContentPart): MessagePart {
  switch (part.part.case) {
    case "text":
    case "refusal":
      return { type: "text", content: part.part.value };
    case "imageUrl":
      return { type: "image" };
    case "inputAudio":
      return { type: "audio" };
    case "file":
      return { type: "file" };
    default:
      return { type: "unknown" };
  }
}

function textOf(content: readonly ContentPart[]): string {
  return content.map((part) => (part.part.case === "text" ? part.part.value : "")).join("");
}
