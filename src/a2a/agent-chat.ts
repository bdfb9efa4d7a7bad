import { randomUUID } from "node:crypto";
import { create, type JsonObject } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { type ChatMessage, FinishReason, Role } from "../../gen/switchyard/v1/chat_pb.js";
import { ChatCompletionChunkSchema, ChatCompletionSchema } from "../../gen/switchyard/v1/completion_pb.js";
import { principalKey } from "../auth/context-keys.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { A2AAgents } from "./a2a-routes.js";
import { callAgent, streamAgent } from "./agent-calls.js";
import { AGENT_MODEL_PREFIX, type AgentChat } from "./agent-model.js";

/**
 * An agent as a chat model: the last user message (after a plain-text
 * transcript of the earlier ones, when there are any) goes to the agent as
 * one A2A message through the agent's own request handler; the answer is
 * the agent's text (its artifacts, or its direct message). Streaming relays
 * the agent's artifact text as content deltas.
 */
export function createAgentChat(agents: A2AAgents): AgentChat {
  return {
    async complete(request, context) {
      const result = await callAgent(
        agents,
        agentName(request.model),
        "SendMessage",
        { message: agentMessage(request.messages) },
        context.values.get(principalKey),
      );
      const text = isObject(result.task)
        ? taskAnswer(result.task)
        : partsText(objectAt(result, "message").parts);
      return create(ChatCompletionSchema, {
        id: `chatcmpl-${randomUUID()}`,
        created: BigInt(Math.floor(Date.now() / 1000)),
        model: request.model,
        choices: [
          {
            index: 0,
            message: { role: Role.ASSISTANT, content: [{ part: { case: "text", value: text } }] },
            finishReason: FinishReason.STOP,
          },
        ],
      });
    },

    async *stream(request, context) {
      const events = streamAgent(
        agents,
        agentName(request.model),
        { message: agentMessage(request.messages) },
        context.values.get(principalKey),
      );
      const id = `chatcmpl-${randomUUID()}`;
      const created = BigInt(Math.floor(Date.now() / 1000));
      const chunk = (choice: { content?: string; role?: Role; finishReason?: FinishReason }) =>
        create(ChatCompletionChunkSchema, {
          id,
          created,
          model: request.model,
          choices: [{ index: 0, ...choice }],
        });
      let first = true;
      for await (const event of events) {
        let text = "";
        if (isObject(event.artifactUpdate))
          text = partsText(objectAt(event.artifactUpdate, "artifact").parts);
        else if (isObject(event.message)) text = partsText(event.message.parts);
        else if (isObject(event.task)) text = taskAnswer(event.task, false);
        else if (isObject(event.statusUpdate)) failIfUnsuccessful(objectAt(event.statusUpdate, "status"));
        if (first) {
          yield chunk({ role: Role.ASSISTANT });
          first = false;
        }
        if (text) yield chunk({ content: text });
      }
      yield chunk({ finishReason: FinishReason.STOP });
    },
  };
}

function agentName(model: string): string {
  return model.slice(AGENT_MODEL_PREFIX.length);
}

/** One A2A v1.0 user message: earlier turns as a transcript, then the last user message. */
function agentMessage(messages: readonly ChatMessage[]): JsonObject {
  let last = -1;
  for (let index = messages.length - 1; index >= 0; index--) {
    if (messages[index]?.role === Role.USER) {
      last = index;
      break;
    }
  }
  if (last === -1) throw GatewayError.invalidArgument("an agent model needs a user message", "messages");
  let transcript = "";
  for (const message of messages.slice(0, last)) {
    const text = chatText(message);
    if (text) transcript += `${Role[message.role].toLowerCase()}: ${text}\n`;
  }
  const question = chatText(messages[last] as ChatMessage);
  const text = transcript ? `Earlier in this conversation:\n${transcript}\n${question}` : question;
  return { messageId: randomUUID(), role: "ROLE_USER", parts: [{ text }] };
}

function chatText(message: ChatMessage): string {
  let text = "";
  for (const { part } of message.content) if (part.case === "text") text += part.value;
  return text;
}

/** A finished task's answer: its artifacts' text; a failed or canceled task is an error. */
function taskAnswer(task: JsonObject, finished = true): string {
  if (finished) failIfUnsuccessful(objectAt(task, "status"));
  const artifacts = Array.isArray(task.artifacts) ? task.artifacts : [];
  let text = "";
  for (const artifact of artifacts) if (isObject(artifact)) text += partsText(artifact.parts);
  return text;
}

function failIfUnsuccessful(status: JsonObject): void {
  const state = status.state;
  if (state !== "TASK_STATE_FAILED" && state !== "TASK_STATE_CANCELED" && state !== "TASK_STATE_REJECTED")
    return;
  const reason = isObject(status.message) ? partsText(status.message.parts) : "";
  throw new GatewayError({
    code: state === "TASK_STATE_FAILED" ? Code.Unavailable : Code.Aborted,
    message: `the agent's task ended ${String(state).slice("TASK_STATE_".length).toLowerCase()}${reason ? `: ${reason}` : ""}`,
  });
}

/** Text parts as they are, data parts as JSON (as agents read them). */
function partsText(parts: unknown): string {
  if (!Array.isArray(parts)) return "";
  let text = "";
  for (const part of parts) {
    if (!isObject(part)) continue;
    if (typeof part.text === "string") text += part.text;
    else if (part.data !== undefined) text += JSON.stringify(part.data);
  }
  return text;
}

function objectAt(object: JsonObject, key: string): JsonObject {
  const value = object[key];
  return isObject(value) ? value : {};
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
