import { Code } from "@connectrpc/connect";
import type { RouterSettings, RoutingStrategyName } from "../config/router-settings.js";
import { GatewayError, invalidUpstreamResponse } from "../errors/gateway-error.js";
import type { CallOptions } from "../providers/provider.js";
import { AttemptDeadline } from "./attempt-deadline.js";
import { backoffMs, canceled, sleep } from "./backoff.js";
import type { Deployment } from "./deployment.js";
import { type ModelGroup, ModelRouter } from "./model-router.js";
import type { RouterState } from "./router-state.js";
import { latencyBased } from "./strategies/latency-based.js";
import { leastBusy } from "./strategies/least-busy.js";
import type { RoutingStrategy, StateSnapshot } from "./strategies/routing-strategy.js";
import { simpleShuffle } from "./strategies/simple-shuffle.js";
import { usageBased } from "./strategies/usage-based.js";

const strategies: Readonly<Record<RoutingStrategyName, RoutingStrategy>> = {
  "simple-shuffle": simpleShuffle,
  "least-busy": leastBusy,
  "latency-based-routing": latencyBased,
  "usage-based-routing": usageBased,
};

const CONTEXT_LENGTH_EXCEEDED = "context_length_exceeded";
const noneCoolingDown: ReadonlySet<string> = new Set();

export interface RouterOptions {
  readonly deployments: readonly Deployment[];
  readonly settings: RouterSettings;
  readonly state: RouterState;
  /** Uniform draw in [0, 1); default Math.random. */
  readonly random?: () => number;
  /** Epoch ms; default Date.now. */
  readonly now?: () => number;
  /** Told when this process puts a deployment in cooldown (metrics count them). */
  readonly onCooldown?: (deploymentId: string, group: string) => void;
}

/** Where a call went and what it took to get there (the x-litellm-* headers). */
export interface RouteOutcome {
  /** The deployment that answered. */
  readonly deployment: Deployment;
  /** Its model group: the one asked for, or the fallback that answered. */
  readonly group: string;
  /** Retries made before the answer, over every group tried. */
  readonly retries: number;
  /** Fallback groups tried. */
  readonly fallbacks: number;
  /** performance.now() when the first upstream attempt began: what came after is not gateway overhead. */
  readonly upstreamStart: number;
  /** performance.now() when the answering attempt began. */
  readonly attemptStart: number;
}

/** What one call asks of the router beyond its model; every field optional. */
export interface RouteOptions {
  /** Fallback groups this caller may use (a virtual key's models); absent: any. */
  readonly allowsGroup?: (group: string) => boolean;
  /**
   * The request's own timeout, ms: replaces each deployment's `timeout` and
   * bounds the whole call, every retry and fallback included.
   */
  readonly timeoutMs?: number;
  /** The request's own stream_timeout, ms: replaces each deployment's. */
  readonly streamTimeoutMs?: number;
  /**
   * Upstream requests one attempt makes on this deployment (a text request
   * answered through chat makes one per prompt); counted against its rpm.
   * Default 1.
   */
  readonly upstreamCalls?: (deployment: Deployment) => number;
  /** The request's fallbacks (LiteLLM's body field): used instead of the configured ones. */
  readonly fallbacks?: readonly string[];
  /** The request's num_retries: retries within a group instead of the configured ones. */
  readonly numRetries?: number;
  /** Fail the requested group with this error without calling it (mock_testing_fallbacks). */
  readonly failRequestedGroup?: GatewayError;
}

const noRouteOptions: RouteOptions = {};

export interface Routed<Value> extends RouteOutcome {
  readonly value: Value;
}

/** A stream whose first message has arrived: from here on it is committed to its deployment. */
export interface OpenedStream<Message> extends RouteOutcome {
  readonly messages: AsyncIterator<Message>;
  readonly first: IteratorResult<Message>;
  /** From the answering attempt's start to the first message. */
  readonly timeToFirstTokenMs: number;
  /**
   * The stall deadline from here on: the deployment's `timeout` of silence
   * between messages. `refresh()` it each time the reader waits for the next one.
   */
  readonly deadline: AttemptDeadline;
}

/** What one call's request asks of the router (LiteLLM's request-body control fields). */
/** What a request's LiteLLM control fields change about its routing. */
export type RouteOverrides = Pick<
  RouteOptions,
  "fallbacks" | "numRetries" | "timeoutMs" | "failRequestedGroup"
>;

/** Anything with usage: the tokens a finished call counts against tpm. */
interface WithUsage {
  usage?: { totalTokens: number };
}

/** Mutable progress of one call across groups; one per call. */
interface Progress {
  retries: number;
  fallbacks: number;
  upstreamStart: number;
  /** performance.now() by which the whole call must be over (the request's timeout); else +Infinity. */
  readonly deadline: number;
  /** The request's own: its timeouts and num_retries win over the deployment's. */
  readonly options: RouteOptions;
}

/** Retries and fallbacks made before a call failed, by the error it failed with. */
const failedAttempts = new WeakMap<object, { retries: number; fallbacks: number }>();

/** The retries and fallbacks the router made before failing with `error`; undefined: it made no attempt. */
export function routeAttemptsOf(error: unknown): { retries: number; fallbacks: number } | undefined {
  return typeof error === "object" && error !== null ? failedAttempts.get(error) : undefined;
}

/**
 * One upstream attempt on a deployment, under `deadline` (the deployment's
 * limit or what is left of the group's budget), whose signal `options`
 * carry. The router ends the deadline when the attempt fails, and when a
 * unary one succeeds; a stream's attempt keeps it for the stream.
 */
type Attempt<Value> = (
  deployment: Deployment,
  options: CallOptions,
  deadline: AttemptDeadline,
) => Promise<Value>;

/**
 * undici's own timeouts, a backstop behind the attempt's deadline: never
 * shorter than any limit of ours, so they cannot cut a stream that is
 * within its limits (undici's body timeout counts silence between bytes).
 */
function backstopMs(deployment: Deployment, options: RouteOptions): number {
  return Math.max(
    deployment.timeoutMs,
    deployment.streamTimeoutMs,
    options.timeoutMs ?? 0,
    options.streamTimeoutMs ?? 0,
  );
}

/** Why no deployment of a group could be picked. */
interface Unavailable {
  limited: boolean;
  cooling: ReadonlySet<string>;
}

/**
 * The router: picks deployments of a model group by the configured strategy
 * and order tiers, retries on retryable failures (elsewhere when it can, with
 * backoff when it must use the same deployment again), falls back to other
 * groups, cools failing deployments down, and enforces rpm/tpm limits
 * through the shared RouterState.
 */
export class Router {
  /** Replaced whole by setDeployments; a call reads it once per group it tries. */
  #models: ModelRouter;
  readonly #settings: RouterSettings;
  readonly #state: RouterState;
  readonly #strategy: RoutingStrategy;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #onCooldown: ((deploymentId: string, group: string) => void) | undefined;
  /** Every pick must count requests (usage-based routing reads them). */
  readonly #countsRequests: boolean;
  readonly #tracksInFlight: boolean;
  readonly #tracksLatency: boolean;
  /**
   * Cooldowns this process started and whether a 429 caused them: the reply
   * when a group is all cooling down is a 429 if so, else a 503. Cooldowns
   * from other replicas (shared state) read as 503 with cooldown_time.
   */
  readonly #cooldowns = new Map<string, { until: number; rateLimited: boolean }>();
  /** Attempts under way, streams included until they end: what `cutCalls` cuts. */
  readonly #live = new Set<AttemptDeadline>();
  /** Deployments the background health checks found failing: skipped while their group has another. */
  #unhealthy: ReadonlySet<string> = new Set();
  /** Set by `cutCalls`: every call still running, and any new one, fails with it. */
  #cutReason: GatewayError | undefined;

  /** The background health checks' latest verdict: these deployment ids failed their check. */
  setUnhealthy(ids: ReadonlySet<string>): void {
    this.#unhealthy = ids;
  }

  constructor(options: RouterOptions) {
    this.#models = new ModelRouter(options.deployments, options.settings.modelGroupAlias);
    this.#settings = options.settings;
    this.#state = options.state;
    this.#strategy = strategies[options.settings.routingStrategy];
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? Date.now;
    this.#onCooldown = options.onCooldown;
    this.#countsRequests = this.#strategy.needs.usage;
    this.#tracksInFlight = this.#strategy.needs.inFlight;
    this.#tracksLatency = this.#strategy.needs.latency;
  }

  /** The model groups served now. */
  get models(): ModelRouter {
    return this.#models;
  }

  /**
   * Serves these deployments from now on (models stored through the API
   * changed): the groups are rebuilt once, here, and swapped in whole. Calls
   * under way finish on the group they picked from; counters, cooldowns and
   * latencies are by deployment id, so an unchanged deployment keeps them.
   */
  setDeployments(deployments: readonly Deployment[]): void {
    this.#models = new ModelRouter(deployments, this.#settings.modelGroupAlias);
  }

  /**
   * One unary call with retries and fallbacks. `send` makes one upstream
   * attempt, under its deployment's `timeout` (see #tryGroup for the
   * group's budget); throws the error of the model group asked for when
   * every attempt failed (404 model_not_found for an unknown group).
   * Fallback groups `options.allowsGroup` refuses are skipped.
   */
  async call<Response extends WithUsage>(
    model: string,
    signal: AbortSignal,
    send: (deployment: Deployment, options: CallOptions) => Promise<Response>,
    options: RouteOptions = noRouteOptions,
  ): Promise<Routed<Response>> {
    const routed = await this.#run(model, signal, false, send, options);
    this.#finish(routed, routed.value.usage?.totalTokens, undefined, undefined);
    return routed;
  }

  /**
   * Opens a stream and awaits its first message under the deployment's
   * stream_timeout. Failures until then retry and fall back like unary
   * calls, and so does a stream that ends before its first message; once
   * the first message is here the stream is committed, under the stall
   * deadline (`timeout` between messages), and the caller must call
   * `streamDone` when it ends. `options` as for `call`.
   */
  async stream<Message>(
    model: string,
    signal: AbortSignal,
    open: (deployment: Deployment, options: CallOptions) => AsyncIterable<Message>,
    options: RouteOptions = noRouteOptions,
  ): Promise<OpenedStream<Message>> {
    const routed = await this.#run(
      model,
      signal,
      true,
      async (deployment, callOptions, deadline) => {
        const messages = open(deployment, callOptions)[Symbol.asyncIterator]();
        const first = await messages.next();
        // A 200 with nothing in it is no answer: retried like any upstream fault.
        if (first.done)
          throw invalidUpstreamResponse(undefined, "upstream stream ended before its first message");
        deadline.restart(options.timeoutMs ?? deployment.timeoutMs, "stall");
        return { messages, first, deadline };
      },
      options,
    );
    return {
      deployment: routed.deployment,
      group: routed.group,
      retries: routed.retries,
      fallbacks: routed.fallbacks,
      upstreamStart: routed.upstreamStart,
      attemptStart: routed.attemptStart,
      messages: routed.value.messages,
      first: routed.value.first,
      timeToFirstTokenMs: performance.now() - routed.attemptStart,
      deadline: routed.value.deadline,
    };
  }

  /**
   * Ends a stream's bookkeeping: tokens, latency, in-flight. A failure after
   * the first message counts against the deployment (it is never retried:
   * the caller has output already).
   */
  /**
   * Ends every call under way with `reason`, streams included, and refuses
   * retries, fallbacks and new attempts: the gateway's shutdown grace is
   * over. The calls end through their usual paths, so each is still
   * answered (an error, in-stream for streams) and accounted.
   */
  cutCalls(reason: GatewayError): void {
    this.#cutReason = reason;
    for (const deadline of [...this.#live]) deadline.cut(reason);
  }

  streamDone(stream: OpenedStream<unknown>, tokens: number | undefined, error: unknown): void {
    stream.deadline.clear();
    this.#finish(stream, tokens, error, stream.timeToFirstTokenMs);
  }

  async #run<Value>(
    model: string,
    signal: AbortSignal,
    isStream: boolean,
    attempt: Attempt<Value>,
    options: RouteOptions,
  ): Promise<Routed<Value>> {
    const primary = this.models.require(model);
    const progress: Progress = {
      retries: 0,
      fallbacks: 0,
      upstreamStart: 0,
      deadline:
        options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + options.timeoutMs,
      options,
    };
    let error: GatewayError;
    try {
      if (options.failRequestedGroup) throw options.failRequestedGroup;
      return await this.#tryGroup(primary, signal, isStream, attempt, progress);
    } catch (reason) {
      error = GatewayError.from(reason);
    }
    try {
      return await this.#fallBack(model, error, signal, isStream, attempt, progress, options);
    } catch (reason) {
      failedAttempts.set(reason as object, { retries: progress.retries, fallbacks: progress.fallbacks });
      throw reason;
    }
  }

  /** The fallback groups in turn, after the group asked for failed with `error`. */
  async #fallBack<Value>(
    model: string,
    error: GatewayError,
    signal: AbortSignal,
    isStream: boolean,
    attempt: Attempt<Value>,
    progress: Progress,
    options: RouteOptions,
  ): Promise<Routed<Value>> {
    const allowsGroup = options.allowsGroup;
    const fallbacks = this.#fallbacksFor(model, error, signal, options.fallbacks);
    for (const name of fallbacks) {
      if (name === model || (allowsGroup && !allowsGroup(name))) continue;
      // The request's own timeout bounds fallbacks too.
      if (performance.now() >= progress.deadline) break;
      progress.fallbacks++;
      try {
        return await this.#tryGroup(this.models.require(name), signal, isStream, attempt, progress);
      } catch (reason) {
        if (signal.aborted) throw canceled(signal, reason);
      }
    }
    // The caller asked for `model`: its failure explains more than a fallback's.
    throw error;
  }

  #fallbacksFor(
    model: string,
    error: GatewayError,
    signal: AbortSignal,
    requested: readonly string[] | undefined,
  ): readonly string[] {
    if (signal.aborted || this.#cutReason) return [];
    if (requested !== undefined) {
      return error.errorCode === CONTEXT_LENGTH_EXCEEDED || isDeploymentFault(error) ? requested : [];
    }
    const settings = this.#settings;
    if (error.errorCode === CONTEXT_LENGTH_EXCEEDED) return settings.contextWindowFallbacks.get(model) ?? [];
    if (!isDeploymentFault(error)) return [];
    return settings.fallbacks.get(model) ?? settings.defaultFallbacks;
  }

  /**
   * Attempts on one group: the first, then up to num_retries retries, all
   * within the group's budget — its longest `timeout` (`stream_timeout` for
   * opening a stream), counted from the first attempt, and never past the
   * request's own deadline. Each attempt gets its deployment's limit or what
   * is left of the budget, whichever is less; a retry that would start
   * (after its backoff) with no budget left is not made. So a group whose
   * one deployment hangs answers at its `timeout`, not `timeout` times
   * (1 + num_retries) plus backoff, while a slow deployment can still be
   * retried on a quicker one of the group.
   */
  async #tryGroup<Value>(
    group: ModelGroup,
    signal: AbortSignal,
    isStream: boolean,
    attempt: Attempt<Value>,
    progress: Progress,
  ): Promise<Routed<Value>> {
    let tried: Set<string> | undefined;
    let lastError: GatewayError | undefined;
    let budgetEnd = Math.min(
      progress.deadline,
      performance.now() + (isStream ? group.streamTimeoutMs : group.timeoutMs),
    );
    for (let retry = 0; ; retry++) {
      if (signal.aborted) throw canceled(signal);
      if (this.#cutReason) throw this.#cutReason;
      if (lastError && performance.now() >= budgetEnd) throw lastError;
      const pick = await this.#pick(group, tried, isStream, progress.options.upstreamCalls);
      if ("limited" in pick) {
        // Nothing can take the call: after a failure here, that failure says more.
        throw lastError ?? this.#unavailable(group, pick);
      }
      const deployment = pick;
      if (tried?.has(deployment.id)) {
        const waitMs = backoffMs(
          retry - 1,
          this.#settings.retryAfterMs,
          lastError?.retryAfterMs,
          this.#random,
        );
        if (performance.now() + waitMs >= budgetEnd) throw lastError!;
        await sleep(waitMs, signal);
      }
      // Counted once the retry is sure to be made: the budget may have ruled it out.
      if (retry > 0) progress.retries++;
      if (this.#tracksInFlight) void this.#state.changeInFlight(deployment.id, 1);
      const attemptStart = performance.now();
      if (progress.upstreamStart === 0) progress.upstreamStart = attemptStart;
      // The budget counts from the first attempt, not from the wait for the state store.
      if (retry === 0) {
        budgetEnd = Math.min(
          progress.deadline,
          attemptStart + (isStream ? group.streamTimeoutMs : group.timeoutMs),
        );
      }
      const options = progress.options;
      const limitMs = isStream
        ? (options.streamTimeoutMs ?? deployment.streamTimeoutMs)
        : (options.timeoutMs ?? deployment.timeoutMs);
      const deadline = new AttemptDeadline(
        signal,
        deployment.id,
        Math.min(limitMs, Math.max(1, budgetEnd - attemptStart)),
        this.#live,
      );
      try {
        const callOptions = { signal: deadline.signal, timeoutMs: backstopMs(deployment, options) };
        const value = await attempt(deployment, callOptions, deadline);
        if (!isStream) deadline.clear();
        return {
          value,
          deployment,
          group: group.name,
          retries: progress.retries,
          fallbacks: progress.fallbacks,
          upstreamStart: progress.upstreamStart,
          attemptStart,
        };
      } catch (reason) {
        deadline.abandon();
        if (this.#tracksInFlight) void this.#state.changeInFlight(deployment.id, -1);
        if (signal.aborted) throw canceled(signal, reason);
        if (this.#cutReason) throw this.#cutReason;
        const error = GatewayError.from(reason);
        await this.#recordFailure(group, deployment, error);
        const retryLimit = progress.options.numRetries ?? group.numRetries ?? this.#settings.numRetries;
        if (!error.retryable || retry >= retryLimit) throw error;
        tried ??= new Set();
        tried.add(deployment.id);
        lastError = error;
      }
    }
  }

  /**
   * Picks a deployment of the group that is not cooling down and has room in
   * its rpm/tpm limits, tier by tier; deployments already tried in this call
   * only when no other is left. Counts the request against its rpm.
   */
  async #pick(
    group: ModelGroup,
    tried: ReadonlySet<string> | undefined,
    isStream: boolean,
    upstreamCalls: ((deployment: Deployment) => number) | undefined,
  ): Promise<Deployment | Unavailable> {
    const deployments = group.deployments;
    const now = this.#now();
    // Fast path: one deployment and nothing to count (never cooled down: see #recordFailure).
    if (deployments.length === 1 && !group.hasRequestLimit && !group.hasTokenLimit && !this.#countsRequests) {
      return deployments[0]!;
    }
    const state = this.#state;
    const needs = this.#strategy.needs;
    const cooling =
      deployments.length > 1 && !this.#settings.cooldownsDisabled
        ? await state.coolingDown(group.ids, now)
        : noneCoolingDown;
    const snapshot: StateSnapshot = {
      stream: isStream,
      usage: needs.usage || group.hasTokenLimit ? await state.usage(group.ids, now) : undefined,
      inFlight: needs.inFlight ? await state.inFlight(group.ids) : undefined,
      latency: needs.latency ? await state.latency(group.ids) : undefined,
    };
    let limited = false;
    let refused: Set<string> | undefined;
    const unhealthy = this.#unhealthy;
    // As LiteLLM: unhealthy deployments are skipped unless the whole group is unhealthy.
    const skipUnhealthy =
      unhealthy.size > 0 && deployments.some((deployment) => !unhealthy.has(deployment.id));
    for (let pass = 0; pass < (tried ? 2 : 1); pass++) {
      for (const tier of group.tiers) {
        const candidates = tier.filter((deployment) => {
          if (cooling.has(deployment.id) || refused?.has(deployment.id)) return false;
          if (skipUnhealthy && unhealthy.has(deployment.id)) return false;
          if (pass === 0 && tried?.has(deployment.id)) return false;
          const tokens = snapshot.usage?.get(deployment.id)?.tokens ?? 0;
          if (deployment.tpm !== undefined && tokens >= deployment.tpm) {
            limited = true;
            return false;
          }
          return true;
        });
        while (candidates.length > 0) {
          const pick = this.#strategy.pick(candidates, snapshot, this.#settings, this.#random, now);
          if (!pick) {
            limited = true;
            break;
          }
          if (pick.rpm === undefined && !this.#countsRequests) return pick;
          if (await state.acquireRequest(pick.id, pick.rpm, now, upstreamCalls?.(pick) ?? 1)) return pick;
          limited = true;
          refused ??= new Set();
          refused.add(pick.id);
          candidates.splice(candidates.indexOf(pick), 1);
        }
      }
    }
    return { limited, cooling };
  }

  /** The caller's answer when no deployment can take the call: at once, never a hang. */
  #unavailable(group: ModelGroup, why: Unavailable): GatewayError {
    const now = this.#now();
    if (why.limited) {
      const retryAfterMs = 60_000 - (now % 60_000);
      return new GatewayError({
        code: Code.ResourceExhausted,
        message:
          `No deployment of model group \`${group.name}\` can take the request: each has used its rpm/tpm ` +
          `limit for this minute (or is cooling down). Try again in ${Math.ceil(retryAfterMs / 1000)} s.`,
        errorCode: "rate_limit_exceeded",
        retryable: true,
        retryAfterMs,
      });
    }
    let until = 0;
    let rateLimited = true;
    for (const id of why.cooling) {
      const cooldown = this.#cooldowns.get(id);
      until = Math.max(until, cooldown?.until ?? now + this.#settings.cooldownMs);
      rateLimited &&= cooldown?.rateLimited ?? false;
    }
    const retryAfterMs = Math.max(1, until - now);
    return new GatewayError({
      code: rateLimited ? Code.ResourceExhausted : Code.Unavailable,
      message:
        `Every deployment of model group \`${group.name}\` is cooling down after ` +
        `${rateLimited ? "rate limit (429) answers" : "failures"}. Try again in ${Math.ceil(retryAfterMs / 1000)} s.`,
      errorCode: rateLimited ? "rate_limit_exceeded" : "no_healthy_deployment",
      retryable: true,
      retryAfterMs,
    });
  }

  /**
   * Counts a failure that is the deployment's fault and cools it down after
   * more than allowed_fails in a minute, or at once for a 429. A group's only
   * deployment is never cooled down (as in LiteLLM): that would turn one
   * error into a refusal of every call for cooldown_time.
   */
  async #recordFailure(group: ModelGroup, deployment: Deployment, error: GatewayError): Promise<void> {
    if (this.#settings.cooldownsDisabled || group.deployments.length === 1 || !isDeploymentFault(error))
      return;
    const now = this.#now();
    const rateLimited = error.code === Code.ResourceExhausted;
    const failures = await this.#state.recordFailure(deployment.id, now);
    if (!rateLimited && failures <= this.#settings.allowedFails) return;
    const until = now + this.#settings.cooldownMs;
    this.#cooldowns.set(deployment.id, { until, rateLimited });
    this.#onCooldown?.(deployment.id, group.name);
    await this.#state.coolDown(deployment.id, until);
  }

  #finish(
    outcome: RouteOutcome,
    tokens: number | undefined,
    error: unknown,
    timeToFirstTokenMs: number | undefined,
  ): void {
    const { deployment } = outcome;
    const state = this.#state;
    if (this.#tracksInFlight) void state.changeInFlight(deployment.id, -1);
    if (tokens && (deployment.tpm !== undefined || this.#countsRequests)) {
      void state.addTokens(deployment.id, tokens, this.#now());
    }
    if (error !== undefined) {
      const failure = GatewayError.from(error);
      if (failure.code !== Code.Canceled) {
        const group = this.models.group(outcome.group);
        if (group) void this.#recordFailure(group, deployment, failure);
      }
      return;
    }
    if (this.#tracksLatency) {
      void state.recordLatency(deployment.id, performance.now() - outcome.attemptStart, timeToFirstTokenMs);
    }
  }
}

/**
 * Failures that say something about the deployment (worth a retry, a
 * fallback, a cooldown): retryable ones, and a deployment the upstream
 * refuses (bad key, no access, unknown model). Not the caller's mistakes.
 */
function isDeploymentFault(error: GatewayError): boolean {
  if (error.code === Code.Canceled) return false;
  return (
    error.retryable ||
    error.code === Code.Unauthenticated ||
    error.code === Code.PermissionDenied ||
    error.code === Code.NotFound
  );
}
