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
  type RouteInfo,
  RouteInfoSchema,
  type TextCompletion,
  type TextCompletionRequest,
} from "../../gen/switchyard/v1/completion_pb.js";
import { AGENT_MODEL_PREFIX, type AgentChat } from "../a2a/agent-chat.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { CallOptions } from "../providers/provider.js";
import type { Deployment } from "../router/deployment.js";
import type { RouteOutcome, Router } from "../router/router.js";
import { overheadMs, requestStartKey } from "./call-timing.js";
import { setRouteHeaders } from "./route-headers.js";
import { streamTextViaChat, textCompletionViaChat } from "./text-via-chat.js";
import { validateChatRequest } from "./validate-chat-request.js";
import { validateTextRequest } from "./validate-text-request.js";

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
}

/**
 * Puts a managed prompt into a chat request: its messages before the
 * request's own, its model and config where the request leaves them unset.
 * Throws a GatewayError (invalid argument / not found) naming what is wrong.
 */
export interface PromptApplier {
  apply(request: ChatCompletionRequest): void;
}

/**
 * The one implementation of chat, text completions, embeddings and models.
 * gRPC, gRPC-web and Connect reach it through the Connect router; the REST
 * shims call this same object with a handler context of their own.
 */
export function createCompletionService(deps: CompletionServiceDeps): CompletionHandlers {
  const { router, agentChat, prompts } = deps;
  const applyPrompt = (request: ChatCompletionRequest) => {
    if (!request.promptId) return;
    if (!prompts) throw GatewayError.invalidArgument("no prompts are configured", "prompt_id");
    prompts.apply(request);
  };
  const models = router.models;
  const created = BigInt(Math.floor((deps.startedAt ?? new Date()).getTime() / 1000));

  return {
    async createChatCompletion(request, context) {
      applyPrompt(request);
      validateChatRequest(request);
      if (agentChat && request.model.startsWith(AGENT_MODEL_PREFIX))
        return agentChat.complete(request, context);
      return unary(router, request.model, context, (deployment, options) =>
        deployment.provider.chatCompletion(request, deployment.target, options),
      );
    },

    streamChatCompletion(request, context) {
      // A prompt may name the model, so it is applied before the model is looked at.
      try {
        applyPrompt(request);
      } catch (error) {
        return failedStream(error);
      }
      // The agent's stream checks its input on the first next(), as relayStream does.
      if (agentChat && request.model.startsWith(AGENT_MODEL_PREFIX))
        return agentChat.stream(request, context);
      return relayStream(router, context, request.streamOptions?.includeUsage ?? false, () => {
        validateChatRequest(request);
        return {
          model: request.model,
          open: (deployment, options) =>
            deployment.provider.streamChatCompletion(request, deployment.target, options),
        };
      });
    },

    async createTextCompletion(request, context) {
      validateTextRequest(request);
      return unary(router, request.model, context, ({ provider, target }, options) =>
        provider.textCompletion
          ? provider.textCompletion(request, target, options)
          : textCompletionViaChat(provider, request, target, options),
      );
    },

    streamTextCompletion(request, context) {
      return relayStream(router, context, request.streamOptions?.includeUsage ?? false, () => {
        validateTextRequest(request);
        return {
          model: request.model,
          open: ({ provider, target }, options) =>
            provider.streamTextCompletion
              ? provider.streamTextCompletion(request, target, options)
              : streamTextViaChat(provider, request, target, options),
        };
      });
    },

    async createEmbeddings(request, context) {
      if (!request.model) throw GatewayError.invalidArgument("model is required", "model");
      if (request.inputs.length === 0) throw GatewayError.invalidArgument("input must not be empty", "input");
      return unary(router, request.model, context, ({ provider, target }, options) => {
        const embeddings = provider.embeddings;
        if (!embeddings) {
          throw new GatewayError({
            code: Code.InvalidArgument,
            message: `The model \`${request.model}\` does not support embeddings.`,
            param: "model",
          });
        }
        return embeddings.call(provider, request, target, options);
      });
    },

    listModels() {
      return create(ListModelsResponseSchema, {
        models: [...models.groups].map((group) => toModel(group.name, group.deployments, created)),
      });
    },

    getModel(request) {
      const group = models.require(request.id);
      return create(GetModelResponseSchema, { model: toModel(group.name, group.deployments, created) });
    },
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

/** When the gateway began on the request: the shim's mark on arrival, else now. */
function requestStart(context: HandlerContext): number {
  return context.values.get(requestStartKey) || performance.now();
}

/** Anything a call returns: it carries the route and, for accounting, usage. */
interface Routed {
  route?: RouteInfo;
  usage?: Usage;
}

/**
 * A routed call (retries, fallbacks, each attempt under its deployment's
 * whole-call deadline); sets the route on the answer and in the headers.
 */
async function unary<Response extends Routed>(
  router: Router,
  model: string,
  context: HandlerContext,
  send: (deployment: Deployment, options: CallOptions) => Promise<Response>,
): Promise<Response> {
  const start = requestStart(context);
  const routed = await router.call(model, context.signal, send);
  const response = routed.value;
  response.route = routeInfo(routed);
  setRouteHeaders(
    context.responseHeader,
    response.route,
    overheadMs(start, performance.now() - routed.upstreamStart),
    routed,
  );
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
 * stream. Sets the route on the first message the caller sees; hides usage
 * the caller did not ask for.
 *
 * `prepare` (validation) runs on the first `next()`, so its errors surface
 * where a stream's errors are expected. The service methods return this
 * generator itself rather than delegating to it with `yield*`: each layer
 * of async iteration costs a promise per chunk.
 */
async function* relayStream<Message extends StreamMessage>(
  router: Router,
  context: HandlerContext,
  includeUsage: boolean,
  prepare: () => {
    model: string;
    open: (deployment: Deployment, options: CallOptions) => AsyncIterable<Message>;
  },
): AsyncGenerator<Message> {
  const { model, open } = prepare();
  const start = requestStart(context);
  const stream = await router.stream(model, context.signal, open);
  const messages = stream.messages;
  const route = routeInfo(stream);
  setRouteHeaders(
    context.responseHeader,
    route,
    overheadMs(start, performance.now() - stream.upstreamStart),
    stream,
  );
  let tokens: number | undefined;
  let failure: unknown;
  try {
    let next = stream.first;
    let first = true;
    while (!next.done) {
      const usage = next.value.usage;
      if (usage) tokens = usage.totalTokens;
      const message = visibleMessage(next.value, includeUsage);
      if (message) {
        if (first) {
          message.route = route;
          first = false;
        }
        yield message;
      }
      next = await messages.next();
    }
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    router.streamDone(stream, tokens, failure);
    // Closes the upstream stream when the caller leaves early.
    await messages.return?.();
  }
}

/** A stream whose first next() throws: stream errors surface where callers expect them. */
// biome-ignore lint/correctness/useYield: it only throws
async function* failedStream(error: unknown): AsyncGenerator<never> {
  throw error;
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
