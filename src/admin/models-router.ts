import { create, type JsonObject } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { Role } from "../../gen/switchyard/v1/chat_pb.js";
import {
  type ChatCompletion,
  ChatCompletionRequestSchema,
  CompletionService,
  ListModelsRequestSchema,
} from "../../gen/switchyard/v1/completion_pb.js";
import {
  DeploymentSource,
  type Deployment as ManagedDeployment,
  ModelService,
} from "../../gen/switchyard/v1/model_pb.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { Deployment } from "../router/deployment.js";
import type { Router } from "../router/router.js";
import type { CompletionHandlers } from "../services/completion-service.js";
import { handlerCalls } from "../services/handler-calls.js";
import type { ModelHandlers } from "../services/model-service.js";
import { jsonObject, object, optional, text } from "./input-schema.js";
import { callService } from "./service-call.js";
import { adminProcedure, adminRouter } from "./trpc.js";
import { changeTimes } from "./view-times.js";

export interface ModelsDeps {
  readonly completion: Pick<CompletionHandlers, "listModels" | "createChatCompletion">;
  readonly router: Pick<Router, "models">;
  /** Deployments as a managed entity: created, changed and deleted through the Model service. */
  readonly models: ModelHandlers;
}

/** One deployment of a model group, as the console shows it: nothing secret. */
export interface DeploymentView {
  readonly id: string;
  readonly provider: string;
  /** The upstream's model name; absent when its credential is missing. */
  readonly upstreamModel?: string;
  readonly order?: number;
  readonly rpm?: number;
  readonly tpm?: number;
  /** US dollars per million tokens; absent when the price is unknown. */
  readonly inputPerMillion?: number;
  readonly outputPerMillion?: number;
}

export interface ModelView {
  readonly id: string;
  readonly ownedBy: string;
  /** Unix seconds. */
  readonly created: number;
  readonly deployments: DeploymentView[];
}

/** What a test call found: the latency, and the reply or the error. */
export interface ModelTestResult {
  readonly ok: boolean;
  readonly model: string;
  /** The deployment that answered (or was asked); absent when routing failed before one was chosen. */
  readonly deploymentId?: string;
  readonly latencyMs: number;
  readonly reply?: string;
  readonly error?: { readonly code: string; readonly message: string };
}

/** A deployment as the Model service answers it: secrets masked (stored) or left out (config). */
export interface ManagedDeploymentView {
  readonly id: string;
  readonly modelName: string;
  readonly params: JsonObject;
  readonly info: JsonObject;
  /** "config": the config file's model_list, read-only here; "db": stored through the API. */
  readonly source?: "config" | "db";
  readonly createdAt?: string;
  readonly updatedAt?: string;
  readonly createdBy?: string;
}

/** Asks for a handful of tokens: enough to prove the deployment answers, cheap enough to run often. */
const TEST_MAX_TOKENS = 5;

export function modelsRouter(deps: ModelsDeps) {
  const rpc = handlerCalls(ModelService, deps.models);
  return adminRouter({
    /** Every model group with its deployments. */
    list: adminProcedure.query(async ({ ctx }): Promise<ModelView[]> => {
      const response = await callService(ctx, {
        method: CompletionService.method.listModels,
        run: (context) => deps.completion.listModels(create(ListModelsRequestSchema), context),
      });
      return response.models.map((model) => ({
        id: model.id,
        ownedBy: model.ownedBy,
        created: Number(model.created),
        deployments: (deps.router.models.group(model.id)?.deployments ?? []).map(deploymentView),
      }));
    }),

    /** Every deployment (config ones, then stored ones), as the Model service lists them. */
    deployments: adminProcedure.query(async ({ ctx }): Promise<ManagedDeploymentView[]> => {
      const response = await callService(ctx, rpc("listDeployments"));
      return response.deployments.map(managedView);
    }),

    /** Stores a deployment (a model_list entry) and serves it at once, on every replica. */
    create: adminProcedure
      .input(object({ modelName: text, params: jsonObject, info: optional(jsonObject), id: optional(text) }))
      .mutation(async ({ ctx, input }): Promise<ManagedDeploymentView> => {
        const response = await callService(
          ctx,
          rpc("createDeployment", {
            deployment: {
              modelId: input.id ?? "",
              modelName: input.modelName,
              litellmParams: input.params,
              modelInfo: input.info ?? {},
            },
          }),
        );
        return managedView(response.deployment!);
      }),

    /** Sets the given params and info keys (null removes one), moves it to `modelName`. */
    update: adminProcedure
      .input(
        object({
          id: text,
          modelName: optional(text),
          params: optional(jsonObject),
          info: optional(jsonObject),
        }),
      )
      .mutation(async ({ ctx, input }): Promise<ManagedDeploymentView> => {
        const response = await callService(
          ctx,
          rpc("updateDeployment", {
            modelId: input.id,
            modelName: input.modelName ?? "",
            litellmParams: input.params ?? {},
            modelInfo: input.info ?? {},
          }),
        );
        return managedView(response.deployment!);
      }),

    delete: adminProcedure.input(object({ id: text })).mutation(async ({ ctx, input }) => {
      await callService(ctx, rpc("deleteDeployment", { modelId: input.id }));
      return { deleted: input.id };
    }),

    /**
     * Sends a tiny chat to a model group (routed as any call) or to one of
     * its deployments (directly, no retries or fallbacks), and reports how
     * long it took and what came back. A failing upstream is a result, not
     * an error; an unknown model or deployment is NOT_FOUND.
     */
    test: adminProcedure
      .input(object({ model: text, deploymentId: optional(text) }))
      .mutation(async ({ ctx, input }): Promise<ModelTestResult> => {
        const request = create(ChatCompletionRequestSchema, {
          model: input.model,
          messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "Say OK." } }] }],
          maxTokens: TEST_MAX_TOKENS,
        });
        const deployment = input.deploymentId && findDeployment(deps, input.model, input.deploymentId);
        const start = performance.now();
        const elapsed = () => Math.round(performance.now() - start);
        try {
          const answer = await callService(ctx, {
            method: CompletionService.method.createChatCompletion,
            run: (context) =>
              deployment
                ? deployment.provider.chatCompletion(request, deployment.target(), {
                    signal: context.signal,
                    timeoutMs: deployment.timeoutMs,
                  })
                : deps.completion.createChatCompletion(request, context),
          });
          return {
            ok: true,
            model: input.model,
            deploymentId: deployment ? deployment.id : answer.route?.deploymentId,
            latencyMs: elapsed(),
            reply: replyOf(answer),
          };
        } catch (error) {
          const gatewayError = GatewayError.from(error);
          if (!deployment && gatewayError.errorCode === "model_not_found") throw gatewayError;
          return {
            ok: false,
            model: input.model,
            deploymentId: deployment ? deployment.id : undefined,
            latencyMs: elapsed(),
            error: { code: Code[gatewayError.code], message: gatewayError.rawMessage },
          };
        }
      }),
  });
}

function findDeployment(deps: ModelsDeps, model: string, deploymentId: string): Deployment {
  const group = deps.router.models.require(model);
  const deployment = group.deployments.find((candidate) => candidate.id === deploymentId);
  if (deployment) return deployment;
  throw new GatewayError({
    code: Code.NotFound,
    message: `model group "${model}" has no deployment "${deploymentId}"`,
    errorCode: "deployment_not_found",
  });
}

function deploymentView(deployment: Deployment): DeploymentView {
  let upstreamModel: string | undefined;
  try {
    upstreamModel = deployment.target().model;
  } catch {
    // A deployment whose credential is missing throws on reading its target; it is listed all the same.
  }
  const price = deployment.price;
  return {
    id: deployment.id,
    provider: deployment.providerName,
    upstreamModel,
    order: deployment.order,
    rpm: deployment.rpm,
    tpm: deployment.tpm,
    inputPerMillion: price && price.input * 1e6,
    outputPerMillion: price && price.output * 1e6,
  };
}

function managedView(deployment: ManagedDeployment): ManagedDeploymentView {
  return {
    id: deployment.modelId,
    modelName: deployment.modelName,
    params: deployment.litellmParams ?? {},
    info: deployment.modelInfo ?? {},
    source:
      deployment.source === DeploymentSource.STORE
        ? "db"
        : deployment.source === DeploymentSource.CONFIG
          ? "config"
          : undefined,
    ...changeTimes(deployment),
    createdBy: deployment.createdBy || undefined,
  };
}

function replyOf(answer: ChatCompletion): string {
  const parts = answer.choices[0]?.message?.content ?? [];
  return parts.map((part) => (part.part.case === "text" ? part.part.value : "")).join("");
}
