import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
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
} from "../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { Deployment } from "../router/deployment.js";
import { type ModelRouter, modelNotFound } from "../router/model-router.js";
import { overheadMs, requestStartKey } from "./call-timing.js";
import { setRouteHeaders } from "./route-headers.js";
import { validateChatRequest } from "./validate-chat-request.js";

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
 * The one implementation of chat, embeddings and models. gRPC, gRPC-web and
 * Connect reach it through the Connect router; the REST shims call this same
 * object with a handler context of their own.
 */
export function createCompletionService(deps: CompletionServiceDeps): CompletionHandlers {
  const { router } = deps;
  const created = BigInt(Math.floor((deps.startedAt ?? new Date()).getTime() / 1000));

  return {
    async createChatCompletion(request, context) {
      const start = context.values.get(requestStartKey) || performance.now();
      validateChatRequest(request);
      const deployment = router.pick(request.model);
      const route = routeInfo(request.model, deployment);
      const upstreamStart = performance.now();
      const completion = await deployment.provider.chatCompletion(request, deployment.target, {
        signal: context.signal,
        timeoutMs: deployment.timeoutMs,
      });
      completion.route = route;
      setRouteHeaders(context.responseHeader, route, overheadMs(start, performance.now() - upstreamStart));
      return completion;
    },

    async *streamChatCompletion(request, context) {
      const start = context.values.get(requestStartKey) || performance.now();
      validateChatRequest(request);
      const deployment = router.pick(request.model);
      const route = routeInfo(request.model, deployment);
      const includeUsage = request.streamOptions?.includeUsage ?? false;
      const upstreamStart = performance.now();
      const chunks = deployment.provider
        .streamChatCompletion(request, deployment.target, {
          signal: context.signal,
          timeoutMs: deployment.streamTimeoutMs,
        })
        [Symbol.asyncIterator]();
      try {
        // Wait for the first chunk before answering: until then an upstream
        // failure is still a plain error status for the caller.
        let next = await chunks.next();
        setRouteHeaders(context.responseHeader, route, overheadMs(start, performance.now() - upstreamStart));
        let first = true;
        while (!next.done) {
          const chunk = visibleChunk(next.value, includeUsage);
          if (chunk) {
            if (first) {
              chunk.route = route;
              first = false;
            }
            yield chunk;
          }
          next = await chunks.next();
        }
      } finally {
        // Closes the upstream stream when the caller leaves early.
        await chunks.return?.();
      }
    },

    async createEmbeddings(request, context) {
      const start = context.values.get(requestStartKey) || performance.now();
      if (!request.model) throw GatewayError.invalidArgument("model is required", "model");
      if (request.inputs.length === 0) throw GatewayError.invalidArgument("input must not be empty", "input");
      const deployment = router.pick(request.model);
      const embeddings = deployment.provider.embeddings;
      if (!embeddings) {
        throw new GatewayError({
          code: Code.InvalidArgument,
          message: `The model \`${request.model}\` does not support embeddings.`,
          param: "model",
        });
      }
      const route = routeInfo(request.model, deployment);
      const upstreamStart = performance.now();
      const response = await embeddings.call(deployment.provider, request, deployment.target, {
        signal: context.signal,
        timeoutMs: deployment.timeoutMs,
      });
      response.route = route;
      setRouteHeaders(context.responseHeader, route, overheadMs(start, performance.now() - upstreamStart));
      return response;
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

function routeInfo(modelGroup: string, deployment: Deployment): RouteInfo {
  return create(RouteInfoSchema, {
    callId: randomUUID(),
    modelGroup,
    deploymentId: deployment.id,
    provider: deployment.providerName,
  });
}

/**
 * The gateway always asks upstreams for usage (it needs it for accounting),
 * but shows it to the caller only when asked, as OpenAI does.
 */
function visibleChunk(chunk: ChatCompletionChunk, includeUsage: boolean): ChatCompletionChunk | undefined {
  if (includeUsage || !chunk.usage) return chunk;
  if (chunk.choices.length === 0) return undefined;
  chunk.usage = undefined;
  return chunk;
}

function toModel(name: string, deployments: readonly Deployment[], created: bigint): Model {
  return create(ModelSchema, {
    id: name,
    created,
    ownedBy: deployments[0]?.providerName ?? "switchyard",
    deploymentCount: deployments.length,
  });
}
