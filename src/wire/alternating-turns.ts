import type { JsonObject } from "@bufbuild/protobuf";
import type { ChatMessage } from "../../gen/switchyard/v1/chat_pb.js";
import { GatewayError } from "../errors/gateway-error.js";
import { isJsonObject } from "./openai/json-object.js";

/**
 * What the encoders for APIs whose turns must alternate (Anthropic Messages,
 * Bedrock Converse, Gemini) share: chat messages one after the other of the
 * same role become one turn there, and system text travels apart from the turns.
 */
export class AlternatingTurns<Role, Item> {
  readonly turns: { role: Role; items: Item[] }[] = [];

  /** Adds `items` as a turn of `role`, to the last turn when that has the same role; no items, no turn. */
  append(role: Role, items: Item[]): void {
    if (items.length === 0) return;
    const last = this.turns[this.turns.length - 1];
    if (last !== undefined && last.role === role) last.items.push(...items);
    else this.turns.push({ role, items });
  }
}

/** The non-blank texts (and refusals) of a system or developer message, in order. */
export function systemTexts(message: ChatMessage): string[] {
  const texts: string[] = [];
  for (const { part } of message.content) {
    if ((part.case === "text" || part.case === "refusal") && part.value !== "") texts.push(part.value);
  }
  return texts;
}

/** The 400 for a message without a role (these APIs have no default one). */
export function missingRole(index: number): GatewayError {
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
