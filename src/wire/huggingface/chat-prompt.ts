import type { ChatMessage } from "../../../gen/switchyard/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.js";

/**
 * How a text-generation deployment turns chat messages into one prompt
 * (`litellm_params.chat_template`):
 *
 * - `transcript` (the default): one line per message, `System: …`,
 *   `User: …`, `Assistant: …` (developer messages count as system, tool
 *   results as `Tool: …`), joined by "\n", ending with "\nAssistant:". The
 *   stop sequence "\nUser:" keeps a base model from writing the user's next
 *   turn.
 * - `chatml`: `<|im_start|>{role}\n{content}<|im_end|>\n` per message,
 *   ending with `<|im_start|>assistant\n`; stop sequence `<|im_end|>`.
 *
 * Only text content can be rendered: images, audio, files and tool calls
 * are rejected, since a text-generation model cannot receive them.
 */
export type ChatTemplate = "transcript" | "chatml";

export const chatTemplates: ReadonlySet<string> = new Set<ChatTemplate>(["transcript", "chatml"]);

export interface RenderedPrompt {
  readonly prompt: string;
  /** Stop sequences the template needs, added to the caller's. */
  readonly stop: readonly string[];
}

/** Indexed by Role. */
const transcriptLabels: readonly string[] = ["User", "System", "System", "User", "Assistant", "Tool"];
const chatmlRoles: readonly string[] = ["user", "system", "system", "user", "assistant", "tool"];

const TRANSCRIPT_STOP: readonly string[] = ["\nUser:"];
const CHATML_STOP: readonly string[] = ["<|im_end|>"];

export function renderChatPrompt(messages: readonly ChatMessage[], template: ChatTemplate): RenderedPrompt {
  let prompt = "";
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index]!;
    const text = messageText(message, index);
    if (template === "chatml") {
      prompt += `<|im_start|>${chatmlRoles[message.role]}\n${text}<|im_end|>\n`;
    } else {
      prompt += `${transcriptLabels[message.role]}: ${text}\n`;
    }
  }
  if (template === "chatml") return { prompt: `${prompt}<|im_start|>assistant\n`, stop: CHATML_STOP };
  return { prompt: `${prompt}Assistant:`, stop: TRANSCRIPT_STOP };
}

function messageText(message: ChatMessage, index: number): string {
  if (message.toolCalls.length > 0) {
    throw unrenderable(`messages[${index}].tool_calls`, "tool calls");
  }
  let text = "";
  for (const part of message.content) {
    if (part.part.case === "text" || part.part.case === "refusal") text += part.part.value;
    else throw unrenderable(`messages[${index}].content`, "non-text content");
  }
  return text;
}

function unrenderable(param: string, what: string): GatewayError {
  return GatewayError.invalidArgument(
    `'${param}': this model is served by a text-generation API, which cannot take ${what}`,
    param,
  );
}
