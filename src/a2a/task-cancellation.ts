import type { Logger } from "../observability/logger.js";
import type { Store } from "../store/store.js";

/** The NOTIFY channel on which a replica asks the others to stop a task they run. */
export const taskCancelChannel = "switchyard_a2a_task_cancel";

/** Stops one running turn: publishes its CANCELED status on the turn's own bus, then aborts its upstream call. */
export type StopTurn = () => void;

/**
 * The turns running in this process, gateway-wide, by agent and task id, and
 * the way to stop one wherever it runs. A task's turn runs on the replica
 * that received the message; CancelTask may arrive at any replica. Stopping
 * here is direct; otherwise the request goes to every replica over the
 * store's NOTIFY, and the one running the turn stops it, so its open streams
 * end with the CANCELED status and its upstream call is aborted.
 */
export class TaskCancellation {
  readonly #running = new Map<string, StopTurn>();
  readonly #store: Store | undefined;
  readonly #logger: Logger | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  #stopped = false;

  constructor(options: { store?: Store; logger?: Logger } = {}) {
    this.#store = options.store;
    this.#logger = options.logger;
  }

  /** Listens for other replicas' requests; resolves once listening (at once without a store). */
  async start(): Promise<void> {
    if (!this.#store || this.#unlisten) return;
    const unlisten = await this.#store.listen(taskCancelChannel, (payload) => {
      if (payload) this.#stopLocal(payload);
    });
    if (this.#stopped) await unlisten();
    else this.#unlisten = unlisten;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#unlisten?.().catch(() => {});
    this.#unlisten = undefined;
  }

  /** Holds a running turn; the returned function lets go of it when the turn ends. */
  register(agentName: string, taskId: string, stop: StopTurn): () => void {
    const key = taskKey(agentName, taskId);
    this.#running.set(key, stop);
    return () => {
      if (this.#running.get(key) === stop) this.#running.delete(key);
    };
  }

  /** Whether the task's turn runs in this process. */
  runsHere(agentName: string, taskId: string): boolean {
    return this.#running.has(taskKey(agentName, taskId));
  }

  /** Whether tasks live in a store shared with other replicas (so a turn may run elsewhere). */
  get shared(): boolean {
    return this.#store !== undefined;
  }

  /** Stops the task's turn: here when it runs here, else on whichever replica runs it. */
  async cancel(agentName: string, taskId: string): Promise<void> {
    const key = taskKey(agentName, taskId);
    if (this.#stopLocal(key)) return;
    if (!this.#store) return;
    try {
      await this.#store.query("select pg_notify($1, $2)", [taskCancelChannel, key]);
    } catch (error) {
      // The task is still stored as canceled; only a turn on another replica runs on.
      this.#logger?.warn(
        { err: String(error), taskId },
        "a2a: could not ask other replicas to cancel a task",
      );
    }
  }

  #stopLocal(key: string): boolean {
    const stop = this.#running.get(key);
    if (!stop) return false;
    this.#running.delete(key);
    stop();
    return true;
  }
}

/** One key per agent and task: task ids are unique per agent only. */
function taskKey(agentName: string, taskId: string): string {
  return `${agentName}\n${taskId}`;
}
