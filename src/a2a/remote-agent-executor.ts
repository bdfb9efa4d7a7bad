import { type Message, TaskState } from "@a2a-js/sdk";
import type { Client } from "@a2a-js/sdk/client";
import {
  AgentEvent,
  type AgentExecutor,
  type ExecutionEventBus,
  type RequestContext,
} from "@a2a-js/sdk/server";
import { RunningTurns } from "./running-turns.js";
import type { TaskCancellation } from "./task-cancellation.js";
import { failedUpdate, statusUpdate, turnTask } from "./task-events.js";

/**
 * Fronts an agent that runs elsewhere (`agent_card_params.url`): each turn is
 * forwarded with the SDK client as a stream and its events republished under
 * our task and context ids, so callers only ever see ours. The remote ids are
 * remembered in process, for follow-up turns and CancelTask. A remote failure
 * fails our task with the reason as its status message.
 */
export class RemoteAgentExecutor implements AgentExecutor {
  #client: Promise<Client> | undefined;
  /** Our context id → the remote agent's. */
  readonly #remoteContexts = new Map<string, string>();
  /** Our task id → the remote agent's, while a turn runs. */
  readonly #remoteTasks = new Map<string, string>();
  readonly #turns: RunningTurns;

  readonly #url: string;

  /**
   * @param agentName our name for the agent (turns are canceled by it, on any replica).
   * @param url the remote agent's base URL; its card is read at `{url}/.well-known/agent-card.json`.
   */
  constructor(agentName: string, url: string, cancellation: TaskCancellation) {
    // The card path resolves relative to the URL, so it must name a directory.
    this.#url = url.endsWith("/") ? url : `${url}/`;
    this.#turns = new RunningTurns(agentName, cancellation);
  }

  /**
   * The client, once the remote card was read; a failure is not cached, so
   * the next call retries. The SDK's client is loaded here, by the first call
   * to a remote agent: a gateway without one never holds it (~0.7 MiB of heap).
   */
  client(): Promise<Client> {
    this.#client ??= import("@a2a-js/sdk/client")
      .then(({ ClientFactory }) => new ClientFactory().createFromUrl(this.#url))
      .catch((error: unknown) => {
        this.#client = undefined;
        throw error;
      });
    return this.#client;
  }

  async execute(requestContext: RequestContext, bus: ExecutionEventBus): Promise<void> {
    const { taskId, contextId, userMessage } = requestContext;
    const turn = this.#turns.begin(taskId, contextId, bus, () => this.#cancelRemote(taskId));
    const task = turnTask(requestContext);
    bus.publish(AgentEvent.task(task));
    try {
      const client = await this.client();
      const remoteContext = this.#remoteContexts.get(contextId);
      const message: Message = { ...userMessage, taskId: "", contextId: remoteContext ?? "" };
      const stream = client.sendMessageStream(
        { tenant: "", message, configuration: undefined, metadata: {} },
        { signal: turn.signal },
      );
      let terminal = false;
      for await (const event of stream) {
        const payload = event.payload;
        if (!payload) continue;
        if (payload.$case === "message") {
          const reply = { ...payload.value, taskId, contextId };
          bus.publish(
            AgentEvent.statusUpdate(statusUpdate(taskId, contextId, TaskState.TASK_STATE_COMPLETED, reply)),
          );
          terminal = true;
          continue;
        }
        const remoteTaskId = payload.$case === "task" ? payload.value.id : payload.value.taskId;
        const remoteContextId = payload.value.contextId;
        if (remoteTaskId) this.#remoteTasks.set(taskId, remoteTaskId);
        if (remoteContextId) this.#remoteContexts.set(contextId, remoteContextId);
        if (payload.$case === "task") {
          for (const artifact of payload.value.artifacts) {
            bus.publish(
              AgentEvent.artifactUpdate({
                taskId,
                contextId,
                artifact,
                append: false,
                lastChunk: true,
                metadata: {},
              }),
            );
          }
          const status = payload.value.status;
          if (status) bus.publish(AgentEvent.statusUpdate({ taskId, contextId, status, metadata: {} }));
          terminal = status !== undefined && isFinal(status.state);
        } else if (payload.$case === "statusUpdate") {
          bus.publish(AgentEvent.statusUpdate({ ...payload.value, taskId, contextId }));
          terminal = payload.value.status !== undefined && isFinal(payload.value.status.state);
        } else {
          bus.publish(AgentEvent.artifactUpdate({ ...payload.value, taskId, contextId }));
        }
      }
      if (!terminal && !turn.signal.aborted) {
        bus.publish(AgentEvent.statusUpdate(statusUpdate(taskId, contextId, TaskState.TASK_STATE_COMPLETED)));
      }
    } catch (error) {
      if (!turn.signal.aborted) {
        const reason = `remote agent failed: ${error instanceof Error ? error.message : String(error)}`;
        bus.publish(AgentEvent.statusUpdate(failedUpdate(taskId, contextId, reason)));
      }
    } finally {
      turn.end();
      this.#remoteTasks.delete(taskId);
      bus.finished();
    }
  }

  async cancelTask(taskId: string, bus: ExecutionEventBus): Promise<void> {
    this.#turns.cancel(taskId, bus);
  }

  /** Best effort: our task is canceled whether or not the remote agent agrees. */
  #cancelRemote(taskId: string): void {
    const remoteTaskId = this.#remoteTasks.get(taskId);
    if (!remoteTaskId) return;
    this.client()
      .then((client) => client.cancelTask({ tenant: "", id: remoteTaskId, metadata: {} }))
      .catch(() => {});
  }
}

function isFinal(state: TaskState): boolean {
  return (
    state === TaskState.TASK_STATE_COMPLETED ||
    state === TaskState.TASK_STATE_FAILED ||
    state === TaskState.TASK_STATE_CANCELED ||
    state === TaskState.TASK_STATE_REJECTED ||
    state === TaskState.TASK_STATE_INPUT_REQUIRED ||
    state === TaskState.TASK_STATE_AUTH_REQUIRED
  );
}
