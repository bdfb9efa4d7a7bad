import { TaskState } from "@a2a-js/sdk";
import { AgentEvent, type ExecutionEventBus } from "@a2a-js/sdk/server";
import { Code } from "@connectrpc/connect";
import { GatewayError } from "../errors/gateway-error.js";
import type { TaskCancellation } from "./task-cancellation.js";
import { statusUpdate } from "./task-events.js";

/** A turn of a task running in this process. */
export interface RunningTurn {
  /** Aborts when the task is canceled; pass it to the upstream call. */
  readonly signal: AbortSignal;
  /** Lets go of the turn; call when it ends, however it ends. */
  end(): void;
}

interface Turn {
  readonly contextId: string;
  readonly bus: ExecutionEventBus;
  readonly controller: AbortController;
  stop(): void;
}

/**
 * One executor's running turns, and how CancelTask stops one: the CANCELED
 * status is published on the turn's bus before its upstream call is aborted,
 * so every open stream and subscription of the task ends with it (and the
 * executor, seeing its signal aborted, publishes nothing after it). Turns are
 * also held in the gateway-wide TaskCancellation, so a CancelTask on another
 * replica, or by another caller, reaches them.
 */
export class RunningTurns {
  readonly #turns = new Map<string, Turn>();

  constructor(
    private readonly agentName: string,
    private readonly cancellation: TaskCancellation,
  ) {}

  /** Starts a turn; `onCancel` runs after its signal aborted (e.g. to cancel a remote task too). */
  begin(taskId: string, contextId: string, bus: ExecutionEventBus, onCancel?: () => void): RunningTurn {
    const controller = new AbortController();
    const turn: Turn = {
      contextId,
      bus,
      controller,
      stop: () => {
        if (controller.signal.aborted) return;
        bus.publish(AgentEvent.statusUpdate(statusUpdate(taskId, contextId, TaskState.TASK_STATE_CANCELED)));
        controller.abort(new GatewayError({ code: Code.Canceled, message: "the task was canceled" }));
        onCancel?.();
      },
    };
    this.#turns.set(taskId, turn);
    const release = this.cancellation.register(this.agentName, taskId, turn.stop);
    return {
      signal: controller.signal,
      end: () => {
        release();
        if (this.#turns.get(taskId) === turn) this.#turns.delete(taskId);
      },
    };
  }

  /**
   * AgentExecutor.cancelTask: the request handler waits on `bus` for the
   * CANCELED status, so it is published there (synchronously, before any
   * await) even when the turn already stopped or ended; a task that ended
   * meanwhile keeps its final state (the handler then answers not cancelable).
   */
  cancel(taskId: string, bus: ExecutionEventBus): void {
    const turn = this.#turns.get(taskId);
    if (turn && turn.bus === bus && !turn.controller.signal.aborted) {
      turn.stop();
      return;
    }
    bus.publish(
      AgentEvent.statusUpdate(statusUpdate(taskId, turn?.contextId ?? "", TaskState.TASK_STATE_CANCELED)),
    );
    turn?.stop();
  }
}
