import { randomUUID } from "node:crypto";
import type { HandlerContext } from "@connectrpc/connect";
import type { Usage } from "../../gen/switchyard/v1/chat_pb.js";
import type { RouteInfo } from "../../gen/switchyard/v1/completion_pb.js";
import { principalKey } from "../auth/context-keys.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { Deployment } from "../router/deployment.js";
import type { RouteOutcome } from "../router/router.js";
import type { CallKind, CallObserver, CallRecord } from "./call-record.js";
import { costOf } from "./model-price.js";

/** The parts of a request every record carries. */
export interface RequestFacts {
  readonly model: string;
  readonly user?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** The fields of a record that depend on how the call ended. */
type CallOutcomeFields = Omit<
  CallRecord,
  | "kind"
  | "stream"
  | "surface"
  | "requestedModel"
  | "startTime"
  | "latencyMs"
  | "principal"
  | "request"
  | "user"
  | "metadata"
>;

/** Where a call's answer came from, once the router has one. */
export interface Answered {
  readonly outcome: RouteOutcome;
  readonly route: RouteInfo;
  readonly usage?: Usage;
  readonly costUsd?: number;
  readonly timeToFirstTokenMs?: number;
  readonly overheadMs?: number;
  readonly output?: string;
}

/** What a call answered from the response cache reports. */
export interface CacheHit {
  readonly route: RouteInfo;
  readonly cacheKey: string;
  readonly usage?: Usage;
  readonly timeToFirstTokenMs?: number;
}

/**
 * Tells every observer about every finished call. One instance per gateway;
 * an observer that throws is skipped for that call, never failing it.
 *
 * A record is complete (its latency, its principal) when the call ends, but
 * observers hear of it on the next turn of the event loop, after the answer
 * is written: the access line, the spend row and the metrics are off the
 * caller's latency. One immediate serves every call that ended in a turn.
 */
export class CallAccounting {
  readonly #observers: readonly CallObserver[];
  /** Whether streams should gather their output text for observers. */
  readonly wantsContent: boolean;
  #inFlight = 0;
  #idle: (() => void)[] = [];
  #pending: CallRecord[] = [];
  #dispatch: NodeJS.Immediate | undefined;

  /**
   * Calls handed to the router and not yet finished (streams until their
   * end), kept by the completion service; the in-flight gauge reads it.
   * A call's record is emitted no later than its decrement's microtask, and
   * reaches the observers on the next turn of the event loop.
   */
  get inFlight(): number {
    return this.#inFlight;
  }

  set inFlight(count: number) {
    this.#inFlight = count;
    if (count === 0 && this.#idle.length > 0) {
      const waiters = this.#idle;
      this.#idle = [];
      // After the current synchronous code: the finishing call emits its record first.
      queueMicrotask(() => {
        this.#deliver();
        for (const resolve of waiters) resolve();
      });
    }
  }

  /**
   * Resolves once no call is in flight, or after `limitMs`: at shutdown,
   * the records of calls being cut are waited for before observers close.
   */
  whenIdle(limitMs: number): Promise<void> {
    if (this.#inFlight === 0) {
      this.#deliver();
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#deliver();
        resolve();
      }, limitMs);
      this.#idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  constructor(observers: readonly CallObserver[] = []) {
    this.#observers = observers;
    this.wantsContent = observers.some((observer) => observer.wantsContent);
  }

  succeeded(
    kind: CallKind,
    stream: boolean,
    request: RequestFacts,
    context: HandlerContext,
    start: number,
    answer: Answered,
  ): void {
    if (this.#observers.length === 0) return;
    const { outcome, route } = answer;
    this.#emit(kind, stream, request, context, start, {
      callId: route.callId,
      modelGroup: outcome.group,
      deploymentId: outcome.deployment.id,
      provider: outcome.deployment.providerName,
      upstreamModel: upstreamModelOf(outcome.deployment),
      timeToFirstTokenMs: answer.timeToFirstTokenMs,
      overheadMs: answer.overheadMs,
      usage: answer.usage,
      costUsd: answer.costUsd,
      retries: outcome.retries,
      fallbacks: outcome.fallbacks,
      output: answer.output,
    });
  }

  /** A call answered from the response cache: the group that first answered it, no upstream, cost 0. */
  cacheHit(
    kind: CallKind,
    stream: boolean,
    request: RequestFacts,
    context: HandlerContext,
    start: number,
    hit: CacheHit,
  ): void {
    if (this.#observers.length === 0) return;
    const { route } = hit;
    this.#emit(kind, stream, request, context, start, {
      callId: route.callId,
      modelGroup: route.modelGroup || undefined,
      deploymentId: route.deploymentId || undefined,
      provider: route.provider || undefined,
      timeToFirstTokenMs: hit.timeToFirstTokenMs,
      usage: hit.usage,
      costUsd: 0,
      retries: 0,
      fallbacks: 0,
      cacheHit: true,
      cacheKey: hit.cacheKey,
    });
  }

  /**
   * A call that failed: before routing (bad input, unknown model), after
   * every attempt, or mid-stream (then `answered` tells who was answering).
   */
  failed(
    kind: CallKind,
    stream: boolean,
    request: RequestFacts,
    context: HandlerContext,
    start: number,
    reason: unknown,
    answered?: Answered,
  ): void {
    if (this.#observers.length === 0) return;
    const error = GatewayError.from(reason);
    const outcome = answered?.outcome;
    this.#emit(kind, stream, request, context, start, {
      callId: answered?.route.callId ?? randomUUID(),
      modelGroup: outcome?.group,
      deploymentId: outcome?.deployment.id,
      provider: outcome?.deployment.providerName,
      upstreamModel: outcome && upstreamModelOf(outcome.deployment),
      timeToFirstTokenMs: answered?.timeToFirstTokenMs,
      error: { code: error.code, httpStatus: error.httpStatus, type: error.type, message: error.rawMessage },
      usage: answered?.usage,
      costUsd: answered?.costUsd,
      retries: outcome?.retries ?? 0,
      fallbacks: outcome?.fallbacks ?? 0,
      output: answered?.output,
    });
  }

  /** Completes a record with what every call reports the same way, whatever came of it, and hands it out. */
  #emit(
    kind: CallKind,
    stream: boolean,
    request: RequestFacts,
    context: HandlerContext,
    start: number,
    outcome: CallOutcomeFields,
  ): void {
    // Every field written, in one order: one object of one shape per call, not a spread of a second one.
    const latencyMs = performance.now() - start;
    const record: CallRecord = {
      callId: outcome.callId,
      kind,
      stream,
      surface: context.protocolName,
      requestedModel: request.model,
      modelGroup: outcome.modelGroup,
      deploymentId: outcome.deploymentId,
      provider: outcome.provider,
      upstreamModel: outcome.upstreamModel,
      startTime: Date.now() - latencyMs,
      latencyMs,
      timeToFirstTokenMs: outcome.timeToFirstTokenMs,
      overheadMs: outcome.overheadMs,
      error: outcome.error,
      usage: outcome.usage,
      costUsd: outcome.costUsd,
      retries: outcome.retries,
      fallbacks: outcome.fallbacks,
      principal: context.values.get(principalKey),
      request,
      output: outcome.output,
      cacheHit: outcome.cacheHit,
      cacheKey: outcome.cacheKey,
      user: request.user || undefined,
      metadata: request.metadata,
    };
    this.#pending.push(record);
    this.#dispatch ??= setImmediate(this.#deliver);
  }

  /** Hands every pending record to every observer; at shutdown, whenIdle's waiters get them delivered first. */
  readonly #deliver = (): void => {
    if (this.#dispatch !== undefined) {
      clearImmediate(this.#dispatch);
      this.#dispatch = undefined;
    }
    const records = this.#pending;
    if (records.length === 0) return;
    this.#pending = [];
    for (const record of records) {
      for (const observer of this.#observers) {
        try {
          observer.record(record);
        } catch {
          // An observer's bug must not fail or slow the call it describes.
        }
      }
    }
  };
}

/**
 * The cost of a call's usage at its deployment's price, rounded to a
 * millionth of a cent; undefined when the model has no known price.
 */
export function callCost(deployment: Deployment, usage: Usage | undefined): number | undefined {
  if (!usage || !deployment.price) return undefined;
  return Math.round(costOf(deployment.price, usage) * 1e8) / 1e8;
}

function upstreamModelOf(deployment: Deployment): string | undefined {
  try {
    return deployment.target().model;
  } catch {
    // A credential-backed target throws while its credential is missing.
    return undefined;
  }
}
