import {
  type AgentCard,
  type CancelTaskRequest,
  type StreamResponse,
  type SubscribeToTaskRequest,
  type Task,
  TaskState,
  taskStateToJSON,
} from "@a2a-js/sdk";
import { TaskNotCancelableError, TaskNotFoundError, UnsupportedOperationError } from "@a2a-js/sdk/errors";
import {
  type AgentExecutor,
  DefaultRequestHandler,
  type ServerCallContext,
  type TaskStore,
} from "@a2a-js/sdk/server";
import type { TaskCancellation } from "./task-cancellation.js";

const TERMINAL_STATES: ReadonlySet<TaskState> = new Set([
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
]);

/**
 * The SDK's request handler with the task lifecycle the spec asks for across
 * replicas: CancelTask stops the task's turn wherever it runs (see
 * TaskCancellation) before the SDK stores the CANCELED state, a finished task
 * is not cancelable (-32002), and SubscribeToTask on an unknown task is
 * -32001 and on a finished one -32004, with the state named, not numbered.
 */
export class AgentRequestHandler extends DefaultRequestHandler {
  readonly #agentName: string;
  readonly #tasks: TaskStore;
  readonly #cancellation: TaskCancellation;

  constructor(
    agentName: string,
    card: AgentCard,
    tasks: TaskStore,
    executor: AgentExecutor,
    cancellation: TaskCancellation,
  ) {
    super(card, tasks, executor);
    this.#agentName = agentName;
    this.#tasks = tasks;
    this.#cancellation = cancellation;
  }

  override async cancelTask(params: CancelTaskRequest, context: ServerCallContext): Promise<Task> {
    const task = await this.#load(params.id, context);
    const state = task.status?.state;
    if (state === TaskState.TASK_STATE_CANCELED) return task;
    if (state !== undefined && TERMINAL_STATES.has(state)) {
      throw new TaskNotCancelableError(
        `Task ${task.id} is ${taskStateToJSON(state)} and cannot be canceled.`,
      );
    }
    await this.#cancellation.cancel(this.#agentName, task.id);
    return super.cancelTask(params, context);
  }

  override async *resubscribe(
    params: SubscribeToTaskRequest,
    context: ServerCallContext,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    const task = await this.#load(params.id, context);
    const state = task.status?.state;
    if (state !== undefined && TERMINAL_STATES.has(state)) {
      throw new UnsupportedOperationError(
        `Task ${task.id} is ${taskStateToJSON(state)}; a finished task cannot be subscribed to.`,
      );
    }
    yield* super.resubscribe(params, context);
  }

  async #load(taskId: string, context: ServerCallContext): Promise<Task> {
    const task = taskId ? await this.#tasks.load(taskId, context) : undefined;
    if (!task) throw new TaskNotFoundError(`Task not found: ${taskId}`);
    return task;
  }
}
