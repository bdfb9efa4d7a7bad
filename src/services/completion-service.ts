import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
import type { Usage } from "../../gen/switchyard/v1/chat_pb.js";
import {
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatCompletionRequest,
  type CreateEmbeddingsRequest,
  type CreateEmbeddingsResponse,
  type GetModelRequest,
  type GetModelResponse,
  GetModelResponseSchema,
  type ListModelsRequest,
  type ListModelsResponse,
  ListModelsResponseSchema,
  type Model,
  ModelSchema,
  type RerankRequest,
  type RerankResponse,
  type RouteInfo,
  RouteInfoSchema,
  type TextCompletion,
  type TextCompletionRequest,
} from "../../gen/switchyard/v1/completion_pb.js";
import { AGENT_MODEL_PREFIX, type AgentChat } from "../a2a/agent-model.js";
import { CallAccounting, callCost, type RequestFacts } from "../accounting/call-accounting.js";
import type { CallKind } from "../accounting/call-record.js";
import { imageCost, imageTokensOf } from "../accounting/image-price.js";
import { transcriptionCost } from "../accounting/transcription-price.js";
import { principalKey } from "../auth/context-keys.js";
import {
  type CallCache,
  cachedChat,
  cachedChatStream,
  cachedText,
  cachedTextStream,
  uncached,
} from "../cache/cached-calls.js";
import type { ResponseCache } from "../cache/response-cache.js";
import type { AdmittedCall, CallAdmission, CallWeight } from "../calls/call-admission.js";
import {
  callControlOf,
  mockedDeployment,
  mockRateLimitError,
  routeOverrides,
} from "../calls/call-control.js";
import { overheadMs, requestStartKey } from "../calls/call-timing.js";
import { callerSignal } from "../calls/caller-signal.js";
import { setFailureHeaders, setRouteHeaders } from "../calls/route-headers.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { GuardrailSpec } from "../guardrails/guardrail-settings.js";
import type { Guardrails } from "../guardrails/guardrails.js";
import { mayUseAllModels, mayUseModel } from "../keys/model-access.js";
import type {
  AudioAnswer,
  AudioEndpoint,
  AudioUpload,
  CallOptions,
  Provider,
  RelayedEndpoint,
  TranscriptionAnswer,
} from "../providers/provider.js";
import {
  FAN_OUT_CONCURRENCY,
  streamTextViaChat,
  textCompletionViaChat,
  textUpstreamCalls,
} from "../providers/text-via-chat.js";
import { DEFAULT_REQUEST_LIMITS, type RequestLimits } from "../requests/request-limits.js";
import { validateChatRequest } from "../requests/validate-chat-request.js";
import { validateEmbeddingsRequest } from "../requests/validate-embeddings-request.js";
import { validateTextRequest } from "../requests/validate-text-request.js";
import type { Deployment } from "../router/deployment.js";
import { listedModels } from "../router/listed-models.js";
import { modelNotFound } from "../router/model-router.js";
import { type RouteOptions, type RouteOutcome, type Router, routeAttemptsOf } from "../router/router.js";
import type { CallControl } from "../wire/litellm/control-fields.js";

/**
 * The service with its concrete message types, so the REST shims can encode
 * what it returns; it is assignable to ServiceImpl<typeof CompletionService>.
 */
export interface CompletionHandlers {
  createChatCompletion(request: ChatCompletionRequest, context: HandlerContext): Promise<ChatCompletion>;
  streamChatCompletion(
    request: ChatCompletionRequest,
    context: HandlerContext,
  ): AsyncGenerator<ChatCompletionChunk>;
  createTextCompletion(request: TextCompletionRequest, context: HandlerContext): Promise<TextCompletion>;
  streamTextCompletion(
    request: TextCompletionRequest,
    context: HandlerContext,
  ): AsyncGenerator<TextCompletion>;
  createEmbeddings(
    request: CreateEmbeddingsRequest,
    context: HandlerContext,
  ): Promise<CreateEmbeddingsResponse>;
  rerank(request: RerankRequest, context: HandlerContext): Promise<RerankResponse>;
  /**
   * REST-only (no proto message): OpenAI's image generation and moderation
   * bodies, relayed as JSON to the routed deployment; see RelayedCall.
   */
  relayJson(call: RelayedCall, context: HandlerContext): Promise<RelayedAnswer>;
  /** REST-only: `/audio/speech`, the audio streamed back as the upstream sends it. */
  speech(call: SpeechCall, context: HandlerContext): Promise<SpeechAnswer>;
  /** REST-only: `/audio/transcriptions` and `/audio/translations`, the upload streamed upstream. */
  transcribe(call: TranscriptionCall, context: HandlerContext): Promise<TranscriptionResult>;
  listModels(request: ListModelsRequest, context: HandlerContext): ListModelsResponse;
  getModel(request: GetModelRequest, context: HandlerContext): GetModelResponse;
}

export interface CompletionServiceDeps {
  readonly router: Router;
  /** Reported as `created` of every model: configured models exist since start. */
  readonly startedAt?: Date;
  /** Answers chat for `a2a/<agent_name>` models, bypassing the router; absent: those are unknown models. */
  readonly agentChat?: AgentChat;
  /** Renders the managed prompt a request names (prompt_id) into it; absent: prompt_id is refused. */
  readonly prompts?: PromptApplier;
  /** Tells metrics, logs, spend and traces about every call; default: nobody. */
  readonly accounting?: CallAccounting;
  /** Holds virtual keys to their models, budget and rate limits before routing; absent: no limits. */
  readonly admission?: CallAdmission;
  /** Caps on prompts, messages, tools and embedding inputs per request; default DEFAULT_REQUEST_LIMITS. */
  readonly limits?: RequestLimits;
  /** Answers repeated calls from the response cache (`litellm_settings.cache`); absent: no caching. */
  readonly cache?: ResponseCache;
  /** The configured guardrails (src/guardrails/), around chat calls; absent: none configured. */
  readonly guardrails?: Guardrails;
}

/**
 * Puts a managed prompt into a chat request: its messages before the
 * request's own, its model and config where the request leaves them unset.
 * Throws a GatewayError (invalid argument / not found) naming what is wrong.
 */
export interface PromptApplier {
  /** Asynchronous because dotprompt renders asynchronously. */
  apply(request: ChatCompletionRequest): Promise<void>;
}

/**
 * The one implementation of chat, text completions, embeddings and models.
 * gRPC, gRPC-web and Connect reach it through the Connect router; the REST
 * shims call this same object with a handler context of their own.
 */
export function createCompletionService(deps: CompletionServiceDeps): CompletionHandlers {
  const { router, agentChat, prompts, guardrails } = deps;
  const cache: CallCache = deps.cache ?? uncached;
  const limits = deps.limits ?? DEFAULT_REQUEST_LIMITS;
  const accounting = deps.accounting ?? new CallAccounting();
  const calls: Calls = { router, accounting, admission: deps.admission };
  const created = BigInt(Math.floor((deps.startedAt ?? new Date()).getTime() / 1000));
  /** The listing of one set of groups: expanded once per change of the router's groups. */
  let listing: { models: Router["models"]; listed: ReturnType<typeof listedModels> } | undefined;
  const applyPrompt = async (request: ChatCompletionRequest) => {
    if (!prompts) throw GatewayError.invalidArgument("no prompts are configured", "prompt_id");
    await prompts.apply(request);
  };
  const streamChat = (request: ChatCompletionRequest, context: HandlerContext) => {
    // The agent's stream checks its input on the first next(), as relayStream does.
    if (agentChat && request.model.startsWith(AGENT_MODEL_PREFIX)) return agentChat.stream(request, context);
    const open = () =>
      cache.stream(cachedChatStream, request, context, () =>
        relayStream(calls, "chat", request, context, () => {
          validateChatRequest(request, limits);
          return (deployment: Deployment, options: CallOptions) =>
            deployment.provider.streamChatCompletion(request, deployment.target(), options);
        }),
      );
    return guardrails ? guardedStream(guardrails, request, context, open) : open();
  };
  /** Outside the cache: a cached answer is checked again, a refused call is never stored. */
  async function* guardedStream(
    guards: Guardrails,
    request: ChatCompletionRequest,
    context: HandlerContext,
    open: () => AsyncGenerator<ChatCompletionChunk>,
  ) {
    const start = requestStart(context);
    let specs: GuardrailSpec[];
    try {
      validateChatRequest(request, limits);
      specs = guards.selected(callControlOf(request, context)?.guardrails, context);
    } catch (error) {
      accounting.failed("chat", true, request, context, start, error);
      throw error;
    }
    if (specs.length === 0) return yield* open();
    const refused = (error: unknown) => accounting.failed("chat", true, request, context, start, error);
    yield* guards.chatStream({ specs, request, context, refused }, open);
  }
  /**
   * A prompt may name the model, so it is applied before the model is looked
   * at: on the first next(), where a stream's errors are expected, in a layer
   * of iteration only prompted streams pay for.
   */
  async function* promptedStream(request: ChatCompletionRequest, context: HandlerContext) {
    try {
      await applyPrompt(request);
    } catch (error) {
      accounting.failed("chat", true, request, context, requestStart(context), error);
      throw error;
    }
    yield* streamChat(request, context);
  }

  return {
    async createChatCompletion(request, context) {
      const start = requestStart(context);
      try {
        if (request.promptId) await applyPrompt(request);
        validateChatRequest(request, limits);
      } catch (error) {
        accounting.failed("chat", false, request, context, start, error);
        throw error;
      }
      if (agentChat && request.model.startsWith(AGENT_MODEL_PREFIX))
        return agentChat.complete(request, context);
      const call = () =>
        cache.unary(cachedChat, request, context, () =>
          unary(calls, "chat", request, context, start, (deployment, options) =>
            deployment.provider.chatCompletion(request, deployment.target(), options),
          ),
        );
      if (!guardrails) return call();
      let specs: GuardrailSpec[];
      try {
        specs = guardrails.selected(callControlOf(request, context)?.guardrails, context);
      } catch (error) {
        accounting.failed("chat", false, request, context, start, error);
        throw error;
      }
      // Outside the cache: a cached answer is checked again, a refused call is never stored.
      if (specs.length === 0) return call();
      const refused = (error: unknown) => accounting.failed("chat", false, request, context, start, error);
      return guardrails.chat({ specs, request, context, refused }, call);
    },

    streamChatCompletion(request, context) {
      return request.promptId ? promptedStream(request, context) : streamChat(request, context);
    },

    async createTextCompletion(request, context) {
      const start = requestStart(context);
      checked(accounting, "text", request, context, start, () => validateTextRequest(request, limits));
      return cache.unary(cachedText, request, context, () =>
        unary(
          calls,
          "text",
          request,
          context,
          start,
          (deployment, options) => {
            const { provider } = deployment;
            const target = deployment.target();
            return provider.textCompletion
              ? provider.textCompletion(request, target, options)
              : textCompletionViaChat(provider, request, target, options);
          },
          fannedOut(router, request),
        ),
      );
    },

    streamTextCompletion(request, context) {
      return cache.stream(cachedTextStream, request, context, () =>
        relayStream(
          calls,
          "text",
          request,
          context,
          () => {
            validateTextRequest(request, limits);
            return (deployment, options) => {
              const { provider } = deployment;
              const target = deployment.target();
              return provider.streamTextCompletion
                ? provider.streamTextCompletion(request, target, options)
                : streamTextViaChat(provider, request, target, options);
            };
          },
          // Prompts stream one after the other: one upstream call at a time.
          fannedOut(router, request, 1),
        ),
      );
    },

    async createEmbeddings(request, context) {
      const start = requestStart(context);
      checked(accounting, "embeddings", request, context, start, () =>
        validateEmbeddingsRequest(request, limits),
      );
      return cache.embeddings(request, context, (sent) =>
        unary(calls, "embeddings", sent, context, start, (deployment, options) =>
          supported(deployment, "embeddings", request.model)(sent, deployment.target(), options),
        ),
      );
    },

    async rerank(request, context) {
      const start = requestStart(context);
      checked(accounting, "rerank", request, context, start, () => {
        if (!request.model) throw GatewayError.invalidArgument("model is required", "model");
        if (request.documents.length === 0)
          throw GatewayError.invalidArgument("documents must not be empty", "documents");
      });
      return unary(calls, "rerank", request, context, start, (deployment, options) =>
        supported(deployment, "rerank", request.model)(request, deployment.target(), options),
      );
    },

    async relayJson(call, context) {
      const start = requestStart(context);
      const kind = relayedKinds[call.endpoint];
      return unary(calls, kind, call, context, start, async (deployment, options) => {
        const { providerName, unitPrices } = deployment;
        const target = deployment.target();
        const relay = supported(deployment, "relayJson", call.model, kind);
        const json = await relay(call.endpoint, call.body, target, options);
        const answer: RelayedAnswer = { json };
        if (kind === "images") {
          answer.costUsd = imageCost(
            unitPrices ?? {},
            { provider: providerName, model: target.model },
            call.body,
            imageTokensOf(json),
          );
        }
        return answer;
      });
    },

    async speech(call, context) {
      const start = requestStart(context);
      return unary(calls, "speech", call, context, start, async (deployment, options) => {
        const speech = supported(deployment, "speech", call.model, "audio speech");
        const answer: SpeechAnswer = {
          audio: await speech(call.body, deployment.target(), options),
        };
        return answer;
      });
    },

    async transcribe(call, context) {
      const start = requestStart(context);
      return unary(calls, "transcriptions", call, context, start, async (deployment, options) => {
        const { providerName, unitPrices, price } = deployment;
        const target = deployment.target();
        const transcribe = supported(deployment, "transcribe", call.model, "audio transcription");
        const answer = await transcribe(call.endpoint, call.upload, target, options);
        const result: TranscriptionResult = { answer };
        if (answer.contentType.includes("json")) {
          result.costUsd = transcriptionCost(
            { provider: providerName, model: target.model },
            unitPrices?.perSecond,
            price,
            parseJsonOrUndefined(answer.text),
          );
        }
        return result;
      });
    },

    listModels(_request, context) {
      const limitedTo = limitedKey(context);
      const models = router.models;
      if (listing?.models !== models) listing = { models, listed: listedModels(models) };
      const listed = listing.listed;
      const visible = limitedTo
        ? listed.filter(([name, group]) => mayUseModel(limitedTo, name, group.accessGroups))
        : listed;
      return create(ListModelsResponseSchema, {
        models: visible.map(([name, group]) => toModel(name, group.deployments, created)),
      });
    },

    getModel(request, context) {
      const group = router.models.require(request.id);
      // A model the key may not use is not there for it, as in the listing.
      const limitedTo = limitedKey(context);
      if (limitedTo && !mayUseModel(limitedTo, request.id, group.accessGroups))
        throw modelNotFound(request.id);
      return create(GetModelResponseSchema, { model: toModel(request.id, group.deployments, created) });
    },
  };
}

/** A relayed JSON call: the endpoint, the caller's body as sent, and its `model` (required). */
export interface RelayedCall {
  readonly endpoint: RelayedEndpoint;
  readonly model: string;
  readonly body: Record<string, unknown>;
  readonly user?: string;
}

/** The upstream's JSON, and the route it took. */
export interface RelayedAnswer {
  json: Record<string, unknown>;
  route?: RouteInfo;
  usage?: Usage;
  costUsd?: number;
}

/** An audio upload to transcribe or translate: its `model` (a form field, required), the fields and file. */
export interface TranscriptionCall {
  readonly endpoint: AudioEndpoint;
  readonly model: string;
  readonly upload: AudioUpload;
  readonly user?: string;
}

/** The upstream's answer as it wrote it, and the route it took. */
export interface TranscriptionResult {
  answer: TranscriptionAnswer;
  route?: RouteInfo;
  usage?: Usage;
  costUsd?: number;
}

/** A `/audio/speech` body: its `model` (required), the rest as the caller sent it. */
export interface SpeechCall {
  readonly model: string;
  readonly body: Record<string, unknown>;
  readonly user?: string;
}

/** The upstream's audio, and the route it took. */
export interface SpeechAnswer {
  audio: AudioAnswer;
  route?: RouteInfo;
  usage?: Usage;
}

const relayedKinds: Readonly<Record<RelayedEndpoint, CallKind>> = {
  "/images/generations": "images",
  "/moderations": "moderations",
};

/** What every routed call goes through: the router, the accounting, a virtual key's admission. */
interface Calls {
  readonly router: Router;
  readonly accounting: CallAccounting;
  readonly admission: CallAdmission | undefined;
}

/** How a routed call is weighed and routed; one request unless it fans out. */
interface CallPlan {
  readonly weight?: CallWeight;
  readonly route?: RouteOptions;
}

const singleCall: CallPlan = {};

/**
 * A text request's plan: each deployment's rpm counts the upstream calls it
 * makes there (one per prompt through chat), and a virtual key is charged
 * the most any deployment of the group would make.
 */
function fannedOut(
  router: Router,
  request: TextCompletionRequest,
  concurrency = FAN_OUT_CONCURRENCY,
): CallPlan {
  if (request.prompt.length <= 1) return singleCall;
  let requests = 1;
  for (const deployment of router.models.group(request.model)?.deployments ?? []) {
    requests = Math.max(requests, textUpstreamCalls(deployment.provider, request));
  }
  if (requests === 1) return singleCall;
  return {
    weight: { requests, parallel: Math.min(requests, concurrency) },
    route: { upstreamCalls: (deployment) => textUpstreamCalls(deployment.provider, request) },
  };
}

/** The route a caller sees: the answering deployment and its group. */
function routeInfo(outcome: RouteOutcome): RouteInfo {
  return create(RouteInfoSchema, {
    callId: randomUUID(),
    modelGroup: outcome.group,
    deploymentId: outcome.deployment.id,
    provider: outcome.deployment.providerName,
  });
}

/** The provider methods only some providers have. */
type OptionalCall = "embeddings" | "rerank" | "relayJson" | "speech" | "transcribe";

/**
 * The deployment's provider method, bound to it, for a call only some
 * providers answer; the caller's invalid-argument error, naming the model
 * and what it cannot do, where the provider has none.
 */
function supported<Method extends OptionalCall>(
  deployment: Deployment,
  method: Method,
  model: string,
  what: string = method,
): NonNullable<Provider[Method]> {
  const call = deployment.provider[method];
  if (call) return call.bind(deployment.provider) as NonNullable<Provider[Method]>;
  throw new GatewayError({
    code: Code.InvalidArgument,
    message: `The model \`${model}\` does not support ${what}.`,
    param: "model",
  });
}

/** The caller's virtual key when it is limited to some models; undefined for everyone else. */
function limitedKey(context: HandlerContext) {
  const principal = context.values.get(principalKey);
  return principal.kind === "virtual_key" && !mayUseAllModels(principal.key) ? principal.key : undefined;
}

/**
 * Lets a call in before it is routed: the `mock_testing_rate_limit_error`
 * control first, then the admission for a virtual key's call (its models,
 * budget and limits; end the admitted call with its usage). The master key
 * and open gateways pay one `kind` check and no await.
 */
function admitCall(
  admission: CallAdmission | undefined,
  request: RequestFacts,
  context: HandlerContext,
  plan: CallPlan,
  control: CallControl | undefined,
): AdmittedCall | Promise<AdmittedCall> | undefined {
  if (control?.mockTestingRateLimitError) throw mockRateLimitError();
  if (!admission) return undefined;
  const principal = context.values.get(principalKey);
  return principal.kind === "virtual_key"
    ? admission.admit(principal.key, request.model, context, plan.weight)
    : undefined;
}

/**
 * Admits a call (admitCall) and routes it with the router options its plan,
 * key and control fields make; a call refused or failed on the way ends its
 * admission unused.
 */
async function admitAndRoute<Outcome>(
  admission: CallAdmission | undefined,
  request: RequestFacts,
  context: HandlerContext,
  plan: CallPlan,
  route: (options: RouteOptions | undefined, control: CallControl | undefined) => Promise<Outcome>,
): Promise<{ outcome: Outcome; admitted: AdmittedCall | undefined }> {
  const control = callControlOf(request, context);
  const admitting = admitCall(admission, request, context, plan, control);
  const admitted = admitting && (await admitting);
  try {
    return { outcome: await route(routeOptions(plan, admitted, control), control), admitted };
  } catch (error) {
    admitted?.end(undefined);
    throw error;
  }
}

/** The router's options for one call: the plan's, a virtual key's groups, the request's control fields. */
function routeOptions(
  plan: CallPlan,
  admitted: AdmittedCall | undefined,
  control: CallControl | undefined,
): RouteOptions | undefined {
  const overrides = routeOverrides(control);
  if (!admitted?.allowsGroup && !overrides) return plan.route;
  const options: { -readonly [Field in keyof RouteOptions]: RouteOptions[Field] } = { ...plan.route };
  // Only what the request set: an absent field must not erase the plan's.
  for (const [field, value] of Object.entries(overrides ?? {})) {
    if (value !== undefined) (options as Record<string, unknown>)[field] = value;
  }
  if (admitted?.allowsGroup) options.allowsGroup = admitted.allowsGroup;
  return options;
}

/** A failed call's answer carries what the router went through, as a success's does. */
function markFailure(error: unknown): void {
  if (error instanceof GatewayError) setFailureHeaders(error.metadata, routeAttemptsOf(error));
}

/** The upstream call, or the mock answer when the request set `mock_response`. */
function controlled<Call extends (deployment: Deployment, options: CallOptions) => unknown>(
  call: Call,
  control: CallControl | undefined,
): Call {
  const text = control?.mockResponse;
  if (text === undefined) return call;
  return ((deployment: Deployment, options: CallOptions) =>
    call(mockedDeployment(deployment, text), options)) as Call;
}

/** Runs a request's checks; a failing one is accounted (a 400 is a call too) and rethrown. */
function checked(
  accounting: CallAccounting,
  kind: CallKind,
  request: RequestFacts,
  context: HandlerContext,
  start: number,
  check: () => void,
): void {
  try {
    check();
  } catch (error) {
    accounting.failed(kind, false, request, context, start, error);
    throw error;
  }
}

/** When the gateway began on the request: the shim's mark on arrival, else now. */
function requestStart(context: HandlerContext): number {
  return context.values.get(requestStartKey) || performance.now();
}

/** Anything a call returns: it carries the route and, for accounting, usage. */
interface Routed {
  route?: RouteInfo;
  usage?: Usage;
  /** A cost not reckoned from tokens (images): used instead of the deployment's token price. */
  costUsd?: number;
}

/** Cost headers: Switchyard's own name and LiteLLM's, which its users already read. */
const COST_HEADERS = ["x-switchyard-response-cost", "x-litellm-response-cost"] as const;

/**
 * A routed call (retries, fallbacks, each attempt under its deployment's
 * whole-call deadline); sets the route and cost on the answer and in the
 * headers, and accounts for it.
 */
async function unary<Response extends Routed>(
  { router, accounting, admission }: Calls,
  kind: CallKind,
  request: RequestFacts,
  context: HandlerContext,
  start: number,
  send: (deployment: Deployment, options: CallOptions) => Promise<Response>,
  plan: CallPlan = singleCall,
): Promise<Response> {
  let routed: Awaited<ReturnType<typeof router.call<Response>>>;
  let admitted: AdmittedCall | undefined;
  accounting.inFlight++;
  try {
    ({ outcome: routed, admitted } = await admitAndRoute(
      admission,
      request,
      context,
      plan,
      (options, control) =>
        router.call(request.model, callerSignal(context), controlled(send, control), options),
    ));
  } catch (error) {
    markFailure(error);
    accounting.failed(kind, false, request, context, start, error);
    throw error;
  } finally {
    accounting.inFlight--;
  }
  const response = routed.value;
  admitted?.end(response.usage);
  const route = routeInfo(routed);
  response.route = route;
  const overhead = overheadMs(start, performance.now() - routed.upstreamStart);
  setRouteHeaders(context.responseHeader, route, overhead, routed);
  const usage = response.usage;
  const costUsd = response.costUsd ?? callCost(routed.deployment, usage);
  if (costUsd !== undefined) {
    if (usage) usage.costUsd = costUsd;
    const cost = String(costUsd);
    for (const name of COST_HEADERS) context.responseHeader.set(name, cost);
  }
  accounting.succeeded(kind, false, request, context, start, {
    outcome: routed,
    route,
    usage,
    costUsd,
    overheadMs: overhead,
    output: accounting.wantsContent ? outputOf(response) : undefined,
  });
  return response;
}

/** A streamed message: chat chunks and text completions alike. */
interface StreamMessage extends Routed {
  choices: readonly unknown[];
}

/**
 * Relays an upstream stream. The router opens it and awaits the first
 * message (under the deployment's stream_timeout) before anything is
 * answered, so until then a failure may retry or fall back, and otherwise
 * is a plain error status for the caller; after it, failures end the
 * stream. Sets the route on the first message the caller sees and the cost
 * on the usage message; hides usage the caller did not ask for.
 *
 * `prepare` (validation) runs on the first `next()`, so its errors surface
 * where a stream's errors are expected. The service methods return this
 * generator itself rather than delegating to it with `yield*`: each layer
 * of async iteration costs a promise per chunk.
 */
async function* relayStream<Message extends StreamMessage>(
  { router, accounting, admission }: Calls,
  kind: CallKind,
  request: RequestFacts & { streamOptions?: { includeUsage: boolean } },
  context: HandlerContext,
  prepare: () => (deployment: Deployment, options: CallOptions) => AsyncIterable<Message>,
  plan: CallPlan = singleCall,
): AsyncGenerator<Message> {
  const start = requestStart(context);
  let stream: Awaited<ReturnType<typeof router.stream<Message>>>;
  let admitted: AdmittedCall | undefined;
  accounting.inFlight++;
  try {
    const open = prepare();
    ({ outcome: stream, admitted } = await admitAndRoute(
      admission,
      request,
      context,
      plan,
      (options, control) =>
        router.stream(request.model, callerSignal(context), controlled(open, control), options),
    ));
  } catch (error) {
    markFailure(error);
    accounting.inFlight--;
    accounting.failed(kind, true, request, context, start, error);
    throw error;
  }
  const includeUsage = request.streamOptions?.includeUsage ?? false;
  const messages = stream.messages;
  const deadline = stream.deadline;
  const route = routeInfo(stream);
  setRouteHeaders(
    context.responseHeader,
    route,
    overheadMs(start, performance.now() - stream.upstreamStart),
    stream,
  );
  const timeToFirstTokenMs = performance.now() - start;
  const gather = accounting.wantsContent ? new OutputGatherer() : undefined;
  let usage: Usage | undefined;
  let costUsd: number | undefined;
  let failure: unknown;
  let ended = false;
  try {
    let next = stream.first;
    let first = true;
    while (!next.done) {
      const message = next.value;
      if (message.usage) {
        usage = message.usage;
        costUsd = callCost(stream.deployment, usage);
        if (costUsd !== undefined) usage.costUsd = costUsd;
      }
      gather?.add(message);
      const visible = visibleMessage(message, includeUsage);
      if (visible) {
        if (first) {
          visible.route = route;
          first = false;
        }
        yield visible;
      }
      // The stall deadline counts only the wait for the upstream, not the caller's pace.
      deadline.refresh();
      next = await messages.next();
    }
    ended = true;
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    accounting.inFlight--;
    // Frees the key's parallel slot however the stream ended: done, failed or left by the caller.
    admitted?.end(usage);
    router.streamDone(stream, usage?.totalTokens, failure);
    if (costUsd !== undefined) context.responseTrailer.set(COST_HEADERS[0], String(costUsd));
    const answered = { outcome: stream, route, usage, costUsd, timeToFirstTokenMs, output: gather?.text };
    if (ended) accounting.succeeded(kind, true, request, context, start, answered);
    else
      accounting.failed(kind, true, request, context, start, failure ?? canceledByCaller(context), answered);
    // Closes the upstream stream when the caller leaves early.
    await messages.return?.();
  }
}

/** Why a stream stopped without an upstream error: the caller left. */
function canceledByCaller(context: HandlerContext): unknown {
  return (
    callerSignal(context).reason ??
    new GatewayError({ code: Code.Canceled, message: "the caller left the stream" })
  );
}

/** JSON text parsed, or undefined where it is not JSON (a cost is then unknown, not an error). */
function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The first choice's text of a unary answer, for observers that record contents. */
function outputOf(response: unknown): string | undefined {
  const choice = (response as { choices?: { message?: { content?: unknown }; text?: string }[] })
    .choices?.[0];
  if (!choice) return undefined;
  if (typeof choice.text === "string") return choice.text;
  const content = choice.message?.content;
  if (typeof content === "string") return content;
  // A chat message's content is a list of ContentParts: their text, as the caller reads it.
  if (!Array.isArray(content)) return undefined;
  return content
    .map((part: { part?: { case?: string; value?: unknown } }) =>
      part.part?.case === "text" ? String(part.part.value) : "",
    )
    .join("");
}

/** Collects a stream's first-choice text for observers that record contents. */
class OutputGatherer {
  #parts: string[] = [];

  add(message: unknown): void {
    const choice = (message as { choices?: { index?: number; content?: string; text?: string }[] })
      .choices?.[0];
    if (!choice || (choice.index ?? 0) !== 0) return;
    const text = choice.content ?? choice.text;
    if (text) this.#parts.push(text);
  }

  get text(): string {
    return this.#parts.join("");
  }
}

/**
 * The gateway always asks upstreams for usage (it needs it for accounting),
 * but shows it to the caller only when asked, as OpenAI does.
 */
function visibleMessage<Message extends StreamMessage>(
  message: Message,
  includeUsage: boolean,
): Message | undefined {
  if (includeUsage || !message.usage) return message;
  if (message.choices.length === 0) return undefined;
  message.usage = undefined;
  return message;
}

function toModel(name: string, deployments: readonly Deployment[], created: bigint): Model {
  return create(ModelSchema, {
    id: name,
    created,
    ownedBy: deployments[0]?.providerName ?? "switchyard",
    deploymentCount: deployments.length,
  });
}
