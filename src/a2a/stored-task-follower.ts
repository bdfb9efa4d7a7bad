import { type StreamResponse, type Task, TaskState } from "@a2a-js/sdk";
import type { ServerCallContext, TaskStore } from "@a2a-js/sdk/server";

/** How often a subscription on a replica that does not run the task rereads it. */
const POLL_INTERVAL_MS = 250;

/** States after which a subscription ends. */
const END_STATES: ReadonlySet<TaskState> = new Set([
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
  TaskState.TASK_STATE_INPUT_REQUIRED,
]);

/**
 * SubscribeToTask on a replica that does not run the task: the turn's event
 * bus lives in another process, so the task is followed through the shared
 * store instead. It is reread every quarter second (only while such a
 * subscription is open; a NOTIFY per saved token would cost every task, not
 * just followed ones), and each change becomes the event the running replica
 * sent: appended artifact parts, then the new status; the stream ends at a
 * terminal or interrupted state, as the SDK's own subscription does.
 */
export async function* followStoredTask(
  tasks: TaskStore,
  first: Task,
  context: ServerCallContext,
): AsyncGenerator<StreamResponse, void, undefined> {
  yield { payload: { $case: "task", value: first } };
  const partsSeen = new Map(first.artifacts.map((artifact) => [artifact.artifactId, artifact.parts.length]));
  let status = first.status;
  while (status === undefined || !END_STATES.has(status.state)) {
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    const task = await tasks.load(first.id, context);
    if (!task) return;
    for (const artifact of task.artifacts) {
      const seen = partsSeen.get(artifact.artifactId);
      if (seen === artifact.parts.length) continue;
      partsSeen.set(artifact.artifactId, artifact.parts.length);
      const update = {
        taskId: task.id,
        contextId: task.contextId,
        artifact: seen === undefined ? artifact : { ...artifact, parts: artifact.parts.slice(seen) },
        append: seen !== undefined,
        lastChunk: false,
        metadata: {},
      };
      yield { payload: { $case: "artifactUpdate", value: update } };
    }
    if (task.status && task.status.timestamp !== status?.timestamp) {
      status = task.status;
      const update = { taskId: task.id, contextId: task.contextId, status, metadata: {} };
      yield { payload: { $case: "statusUpdate", value: update } };
    }
  }
}
