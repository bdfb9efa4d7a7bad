import { randomUUID } from "node:crypto";
import { type Message, Role, type TaskState, type TaskStatusUpdateEvent } from "@a2a-js/sdk";

/** A status change of a task, stamped now (an ISO string: the SDK sorts tasks by it). */
export function statusUpdate(
  taskId: string,
  contextId: string,
  state: TaskState,
  message?: Message,
): TaskStatusUpdateEvent {
  return {
    taskId,
    contextId,
    status: { state, message, timestamp: new Date().toISOString() },
    metadata: {},
  };
}

/** A text message from the agent, e.g. why a task failed. */
export function agentMessage(taskId: string, contextId: string, text: string): Message {
  return {
    messageId: randomUUID(),
    taskId,
    contextId,
    role: Role.ROLE_AGENT,
    parts: [{ content: { $case: "text", value: text }, mediaType: "text/plain", filename: "", metadata: {} }],
    metadata: {},
    extensions: [],
    referenceTaskIds: [],
  };
}
