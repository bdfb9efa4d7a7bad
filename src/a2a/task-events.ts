import { randomUUID } from "node:crypto";
import { type Message, Role, type Task, TaskState, type TaskStatusUpdateEvent } from "@a2a-js/sdk";
import type { RequestContext } from "@a2a-js/sdk/server";

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

/** A task's end in failure, with the agent's message saying why. */
export function failedUpdate(taskId: string, contextId: string, reason: string): TaskStatusUpdateEvent {
  return statusUpdate(
    taskId,
    contextId,
    TaskState.TASK_STATE_FAILED,
    agentMessage(taskId, contextId, reason),
  );
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

/** The task a turn works on: the stored one, or a new one submitted with the user's message. */
export function turnTask(requestContext: RequestContext): Task {
  const { taskId, contextId, userMessage } = requestContext;
  return (
    requestContext.task ?? {
      id: taskId,
      contextId,
      status: {
        state: TaskState.TASK_STATE_SUBMITTED,
        message: undefined,
        timestamp: new Date().toISOString(),
      },
      history: [userMessage],
      artifacts: [],
      metadata: {},
    }
  );
}
