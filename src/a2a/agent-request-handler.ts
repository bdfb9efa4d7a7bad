import {
  type AgentCard,
  type Artifact,
  type CancelTaskRequest,
  type GetTaskRequest,
  type ListTasksRequest,
  type ListTasksResponse,
  type Message,
  type Part,
  type SendMessageRequest,
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
import { followStoredTask } from "./stored-task-follower.js";
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

  override async sendMessage(
    params: SendMessageRequest,
    context: ServerCallContext,
  ): Promise<Message | Task> {
    await this.#refuseFinished(params, context);
    const result = await super.sendMessage(params, context);
    return "artifacts" in result ? withJoinedText(result) : result;
  }

  override async *sendMessageStream(
    params: SendMessageRequest,
    context: ServerCallContext,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    await this.#refuseFinished(params, context);
    yield* super.sendMessageStream(params, context);
  }

  override async getTask(params: GetTaskRequest, context: ServerCallContext): Promise<Task> {
    return withJoinedText(await super.getTask(params, context));
  }

  override async listTasks(params: ListTasksRequest, context: ServerCallContext): Promise<ListTasksResponse> {
    const listed = await super.listTasks(params, context);
    return { ...listed, tasks: listed.tasks.map(withJoinedText) };
  }

  override async cancelTask(params: CancelTaskRequest, context: ServerCallContext): Promise<Task> {
    const task = await this.#load(params.id, context);
    const state = task.status?.state;
    if (state === TaskState.TASK_STATE_CANCELED) return withJoinedText(task);
    if (state !== undefined && TERMINAL_STATES.has(state)) {
      throw new TaskNotCancelableError(
        `Task ${task.id} is ${taskStateToJSON(state)} and cannot be canceled.`,
      );
    }
    await this.#cancellation.cancel(this.#agentName, task.id);
    return withJoinedText(await super.cancelTask(params, context));
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
    if (this.#cancellation.shared && !this.#cancellation.runsHere(this.#agentName, task.id)) {
      // Running on another replica (or nowhere): its events are not on this process's bus.
      yield* followStoredTask(this.#tasks, task, context);
      return;
    }
    yield* super.resubscribe(params, context);
  }

  /** A message continuing a finished task: refused with the task's state by name (the SDK numbers it). */
  async #refuseFinished(params: SendMessageRequest, context: ServerCallContext): Promise<void> {
    const taskId = params.message?.taskId;
    if (!taskId) return;
    const state = (await this.#tasks.load(taskId, context))?.status?.state;
    if (state !== undefined && TERMINAL_STATES.has(state)) {
      throw new UnsupportedOperationError(
        `Task ${taskId} is ${taskStateToJSON(state)}; a finished task takes no more messages.`,
      );
    }
  }

  async #load(taskId: string, context: ServerCallContext): Promise<Task> {
    const task = taskId ? await this.#tasks.load(taskId, context) : undefined;
    if (!task) throw new TaskNotFoundError(`Task not found: ${taskId}`);
    return task;
  }
}

/** The task with each artifact's consecutive plain text parts joined into one. */
function withJoinedText(task: Task): Task {
  if (!task.artifacts.some((artifact) => artifact.parts.length > 1)) return task;
  return { ...task, artifacts: task.artifacts.map(joinText) };
}

function joinText(artifact: Artifact): Artifact {
  const parts: Part[] = [];
  for (const part of artifact.parts) {
    const previous = parts.at(-1);
    if (previous && isPlainText(previous) && isPlainText(part) && previous.mediaType === part.mediaType) {
      const text = (previous.content?.value as string) + (part.content?.value as string);
      parts[parts.length - 1] = { ...previous, content: { $case: "text", value: text } };
    } else parts.push(part);
  }
  return { ...artifact, parts };
}

/** A text part with nothing else to keep apart: no file name, no metadata. */
function isPlainText(part: Part): boolean {
  return (
    part.content?.$case === "text" &&
    part.filename === "" &&
    (part.metadata === undefined || Object.keys(part.metadata).length === 0)
  );
}
