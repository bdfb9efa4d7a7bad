import type { JsonObject } from "@bufbuild/protobuf";
import { type ChatMessage, Role } from "../../gen/switchyard/v1/chat_pb.js";
import { GatewayError } from "../errors/gateway-error.js";
import { isJsonObject } from "./openai/json-object.js";

/**
 * Chat messages as the turns of an API whose turns must alternate
 * (Anthropic Messages, Bedrock Converse, Gemini): system and developer text
 * goes to `encode.system` (these APIs take it apart from the turns), tool
 * results ride in user turns, and consecutive items of one role merge into
 * one turn; a message that encodes to nothing adds no turn.
 */
export function encodeTurns<TurnRole, Item>(
  messages: readonly ChatMessage[],
  roles: { readonly user: TurnRole; readonly assistant: TurnRole },
  encode: {
    system(text: string): void;
    user(message: ChatMessage, index: number): Item[];
    assistant(message: ChatMessage, index: number): Item[];
    tool(message: ChatMessage, index: number): Item[];
  },
): { role: TurnRole; items: Item[] }[] {
  const turns: { role: TurnRole; items: Item[] }[] = [];
  const append = (role: TurnRole, items: Item[]) => {
    if (items.length === 0) return;
    const last = turns[turns.length - 1];
    if (last !== undefined && last.role === role) last.items.push(...items);
    else turns.push({ role, items });
  };
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index]!;
    switch (message.role) {
      case Role.SYSTEM:
      case Role.DEVELOPER:
        for (const { part } of message.content) {
          if ((part.case === "text" || part.case === "refusal") && part.value !== "")
            encode.system(part.value);
        }
        break;
      case Role.USER:
        append(roles.user, encode.user(message, index));
        break;
      case Role.ASSISTANT:
        append(roles.assistant, encode.assistant(message, index));
        break;
      case Role.TOOL:
        append(roles.user, encode.tool(message, index));
        break;
      default:
        throw missingRole(index);
    }
  }
  return turns;
}

/** The 400 for a message without a role (these APIs have no default one). */
function missingRole(index: number): GatewayError {
  const path = `messages[${index}].role`;
  return GatewayError.invalidArgument(`'${path}' is required`, path);
}

/** Tool arguments are JSON text in the proto and an object on the wire (Anthropic, Bedrock, Gemini). */
export function parseArguments(text: string, path: string): JsonObject {
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw GatewayError.invalidArgument(`'${path}' must be a JSON object`, path);
  }
  if (!isJsonObject(parsed)) throw GatewayError.invalidArgument(`'${path}' must be a JSON object`, path);
  return parsed;
}
