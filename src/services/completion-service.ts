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
import { GatewayError } from "../errors/gateway-error.js";
import type { CallOptions } from "../providers/provider.js";
import type { Deployment } from "../router/deployment.js";
import { type ModelRouter, modelNotFound } from "../router/model-router.js";
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
  readonly router: ModelRouter;
  /** Reported as `created` of every model: configured models exist since start. */
  readonly startedAt?: Date;
}

/**
 * The one implementation of chat, text completions, embeddings and models.
 * gRPC, gRPC-web and Connect reach it through the Connect router; the REST
 * shims call this same object with a handler context of their own.
 */
export function createCompletionService(deps: CompletionServiceDeps): CompletionHandlers {
  const { router } = deps;
  const created = BigInt(Math.floor((deps.startedAt ?? new Date()).getTime() / 1000));

  return {
    async createChatCompletion(request, context) {
      validateChatRequest(request);
      const call = routeCall(router, request.model, context);
      return unary(call, context, (options) =>
        call.deployment.provider.chatCompletion(request, call.deployment.target, options),
      );
    },

    streamChatCompletion(request, context) {
      return relayStream(context, request.streamOptions?.includeUsage ?? false, () => {
        validateChatRequest(request);
        const call = routeCall(router, request.model, context);
        const { provider, target } = call.deployment;
        return { call, open: (options) => provider.streamChatCompletion(request, target, options) };
      });
    },

    async createTextCompletion(request, context) {
      validateTextRequest(request);
      const call = routeCall(router, request.model, context);
      const { provider, target } = call.deployment;
      return unary(call, context, (options) =>
        provider.textCompletion
          ? provider.textCompletion(request, target, options)
          : textCompletionViaChat(provider, request, target, options),
      );
    },

    streamTextCompletion(request, context) {
      return relayStream(context, request.streamOptions?.includeUsage ?? false, () => {
        validateTextRequest(request);
        const call = routeCall(router, request.model, context);
        const { provider, target } = call.deployment;
        return {
          call,
          open: (options) =>
            provider.streamTextCompletion
              ? provider.streamTextCompletion(request, target, options)
              : streamTextViaChat(provider, request, target, options),
        };
      });
    },

    async createEmbeddings(request, context) {
      if (!request.model) throw GatewayError.invalidArgument("model is required", "model");
      if (request.inputs.length === 0) throw GatewayError.invalidArgument("input must not be empty", "input");
      const call = routeCall(router, request.model, context);
      const { provider, target } = call.deployment;
      const embeddings = provider.embeddings;
      if (!embeddings) {
        throw new GatewayError({
          code: Code.InvalidArgument,
          message: `The model \`${request.model}\` does not support embeddings.`,
          param: "model",
        });
      }
      return unary(call, context, (options) => embeddings.call(provider, request, target, options));
    },

    listModels() {
      return create(ListModelsResponseSchema, {
        models: [...router.groups].map((group) => toModel(group.name, group.deployments, created)),
      });
    },

    getModel(request) {
      const group = router.group(request.id);
      if (!group) throw modelNotFound(request.id);
      return create(GetModelResponseSchema, { model: toModel(group.name, group.deployments, created) });
    },
  };
}

/** A call with its deployment picked: where it goes, and when the gateway began on it. */
interface RoutedCall {
  readonly deployment: Deployment;
  readonly route: RouteInfo;
  /** performance.now() when the request arrived (the shim's mark) or the handler began. */
  readonly start: number;
}

function routeCall(router: ModelRouter, model: string, context: HandlerContext): RoutedCall {
  const start = context.values.get(requestStartKey) || performance.now();
  const deployment = router.pick(model);
  return {
    deployment,
    start,
    route: create(RouteInfoSchema, {
      callId: randomUUID(),
      modelGroup: model,
      deploymentId: deployment.id,
      provider: deployment.providerName,
    }),
  };
}

/** Anything a unary call returns: it carries the route. */
interface Routed {
  route?: RouteInfo;
}

/** One upstream call under the deployment's whole-call deadline; sets the route on the answer and headers. */
async function unary<Response extends Routed>(
  call: RoutedCall,
  context: HandlerContext,
  send: (options: CallOptions) => Promise<Response>,
): Promise<Response> {
  const upstreamStart = performance.now();
  const response = await send({ signal: context.signal, timeoutMs: call.deployment.timeoutMs });
  response.route = call.route;
  setRouteHeaders(
    context.responseHeader,
    call.route,
    overheadMs(call.start, performance.now() - upstreamStart),
  );
  return response;
}

/** A streamed message: chat chunks and text completions alike. */
interface StreamMessage extends Routed {
  choices: readonly unknown[];
  usage?: Usage;
}

/**
 * Relays an upstream stream under the deployment's time-to-first-chunk
 * deadline: waits for the first message before answering, so that until
 * then an upstream failure is still a plain error status for the caller;
 * sets the route on the first message the caller sees; hides usage the
 * caller did not ask for.
 *
 * `prepare` (validation, routing) runs on the first `next()`, so its errors
 * surface where a stream's errors are expected. The service methods return
 * this generator itself rather than delegating to it with `yield*`: each
 * layer of async iteration costs a promise per chunk.
 */
async function* relayStream<Message extends StreamMessage>(
  context: HandlerContext,
  includeUsage: boolean,
  prepare: () => { call: RoutedCall; open: (options: CallOptions) => AsyncIterable<Message> },
): AsyncGenerator<Message> {
  const { call, open } = prepare();
  const upstreamStart = performance.now();
  const messages = open({ signal: context.signal, timeoutMs: call.deployment.streamTimeoutMs })[
    Symbol.asyncIterator
  ]();
  try {
    let next = await messages.next();
    setRouteHeaders(
      context.responseHeader,
      call.route,
      overheadMs(call.start, performance.now() - upstreamStart),
    );
    let first = true;
    while (!next.done) {
      const message = visibleMessage(next.value, includeUsage);
      if (message) {
        if (first) {
          message.route = call.route;
          first = false;
        }
        yield message;
      }
      next = await messages.next();
    }
  } finally {
    // Closes the upstream stream when the caller leaves early.
    await messages.return?.();
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
