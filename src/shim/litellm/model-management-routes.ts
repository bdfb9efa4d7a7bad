import type { JsonObject } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { type Deployment, ModelService } from "../../../gen/switchyard/v1/model_pb.js";
import { isMapping } from "../../config/config-tree.js";
import { type ErrorType, GatewayError } from "../../errors/gateway-error.js";
import { decodePathPart, doorRoute, doorRouteFor, type Endpoint } from "../../http/door-kit/door.js";
import { unknownUrl } from "../../http/door-kit/error-answers.js";
import { type DoorDeps, openAIDoor } from "../../http/door-kit/openai-door.js";
import { readJsonBody } from "../../http/door-kit/read-body.js";
import type { Route } from "../../http/route-table.js";
import { modelIdOf } from "../../models/stored-model.js";
import { handlerCalls } from "../../services/handler-calls.js";
import type { ModelHandlers } from "../../services/model-service.js";
import { answerCall } from "../answer-call.js";

export interface ModelManagementRoutesDeps extends DoorDeps {
  readonly models: ModelHandlers;
}

/** A deployment is a model name, some params and some info: a megabyte is plenty (vertex_credentials included). */
const MAX_MODEL_BODY_BYTES = 1024 * 1024;
/** LiteLLM's answer when it has no database (CommonProxyErrors.db_not_connected_error). */
const NO_DATABASE = "No DB Connected. Here's how to do it - https://docs.litellm.ai/docs/proxy/virtual_keys";

/**
 * LiteLLM's model management routes as a codec onto the Model service
 * (BerriAI/litellm proxy/management_endpoints/model_management_endpoints.py):
 * `POST /model/new` (a model_list entry: `{model_name, litellm_params,
 * model_info}`), `POST /model/update` (`model_info.id` names it),
 * `PATCH /model/{model_id}/update`, `POST /model/delete` (`{id}`). Writes
 * answer the stored row as LiteLLM does (`{model_id, model_name,
 * litellm_params, model_info, created_at, created_by, updated_at,
 * updated_by}`, secrets masked); delete answers `{message}`. Errors are
 * LiteLLM's: its ProxyException JSON with `code` the HTTP status as text,
 * type `auth_error` for what the POST routes refuse (as LiteLLM wraps its
 * HTTPExceptions), and PATCH's own `bad_request_error` / `not_found_error`.
 */
export function modelManagementRoutes(deps: ModelManagementRoutesDeps): Route[] {
  const rpc = handlerCalls(ModelService, deps.models);
  const door = openAIDoor(deps);

  const newModel: Endpoint = async (...exchange) => {
    const body = deploymentBody(await readJsonBody(exchange[0], MAX_MODEL_BODY_BYTES), true);
    const request = { deployment: deploymentFields(body) };
    return answerCall(exchange, rpc("createDeployment", request), (result) => storedRow(result.deployment!));
  };

  /** POST /model/update (id in model_info.id) and PATCH /model/{id}/update: keys given replace, others stay. */
  const updateModel =
    (pathId: string | undefined): Endpoint =>
    async (...exchange) => {
      const body = deploymentBody(await readJsonBody(exchange[0], MAX_MODEL_BODY_BYTES), false);
      const id = pathId ?? modelIdOf(body.modelInfo?.id);
      if (id === undefined) throw GatewayError.invalidArgument("model_info.id not provided", "model_info.id");
      const request = { modelId: id, ...deploymentFields(body) };
      return answerCall(exchange, rpc("updateDeployment", request), (result) =>
        storedRow(result.deployment!),
      );
    };

  const deleteModel: Endpoint = async (...exchange) => {
    const body = await readJsonBody(exchange[0], MAX_MODEL_BODY_BYTES);
    const id = isMapping(body) ? modelIdOf(body.id) : undefined;
    if (id === undefined) throw unprocessable('body must be {"id": "<model_info.id>"}', "id");
    return answerCall(exchange, rpc("deleteDeployment", { modelId: id }), () => ({
      message: `Model: ${id} deleted successfully`,
    })).catch((reason: unknown) => {
      const error = GatewayError.from(reason);
      if (error.errorCode !== "model_not_found" && error.errorCode !== "model_in_config") throw error;
      // LiteLLM looks in its table only, so a config model is "not found in db" too.
      const inConfig =
        error.errorCode === "model_in_config" ? " (it is a model_list entry of the config file)" : "";
      throw new GatewayError({
        code: Code.InvalidArgument,
        message: `Model with id=${id} not found in db${inConfig}`,
        errorCode: error.errorCode,
        param: "id",
      });
    });
  };

  return [
    doorRoute(door, "POST", "/model/new", asProxyException(newModel, newErrors)),
    doorRoute(door, "POST", "/model/update", asProxyException(updateModel(undefined), updateErrors)),
    doorRoute(door, "POST", "/model/delete", asProxyException(deleteModel, newErrors)),
    doorRouteFor(door, "PATCH", "/model/{id}/update", ({ params }, request) => {
      const id = decodePathPart(params.id!, "the model id in the URL is not valid");
      // An id with an encoded slash names no stored model: the URL is as unknown as any other.
      if (id.includes("/")) throw unknownUrl(request.method ?? "", request.url ?? "");
      return asProxyException(updateModel(id), patchErrors);
    }),
  ];
}

/** What LiteLLM answers in place of one of the service's errors: status, type and message. */
type ErrorRewrite = (error: GatewayError) => { status: number; type: ErrorType; message: string };

/** LiteLLM's POST routes turn every HTTPException into an `auth_error` of the same status. */
function authError(status: number, message: string) {
  return { status, type: "auth_error" as const, message };
}

/** Refusals every route shares: no database, store_model_in_db off, not an admin. */
function common(error: GatewayError): ReturnType<ErrorRewrite> | undefined {
  switch (error.errorCode) {
    case "store_unavailable":
      // Not configured at all; an outage (retryable) stays a 503.
      return error.retryable ? undefined : authError(500, NO_DATABASE);
    case "store_model_in_db_disabled":
      return authError(500, error.rawMessage);
    case "admin_only":
      return authError(403, error.rawMessage);
  }
  return undefined;
}

const newErrors: ErrorRewrite = (error) => common(error) ?? authError(error.httpStatus, error.rawMessage);

const updateErrors: ErrorRewrite = (error) => {
  if (error.errorCode === "model_in_config") {
    return authError(400, "Can't edit model. Model in config. Store model in db via `/model/new`. to edit.");
  }
  if (error.errorCode === "model_not_found")
    return authError(400, `Authentication Error, ${error.rawMessage}`);
  return newErrors(error);
};

const patchErrors: ErrorRewrite = (error) => {
  if (error.errorCode === "model_not_found") {
    return { status: 404, type: "not_found_error", message: error.rawMessage };
  }
  return common(error) ?? { status: error.httpStatus, type: "bad_request_error", message: error.rawMessage };
};

/**
 * Runs `route` and renders what it throws as LiteLLM's ProxyException (code:
 * the status as text). A body FastAPI would refuse (422), a body too large
 * and a client gone stay as they are.
 */
function asProxyException(route: Endpoint, rewrite: ErrorRewrite): Endpoint {
  return async (...exchange) => {
    try {
      await route(...exchange);
    } catch (reason) {
      const error = GatewayError.from(reason);
      if (error.code === Code.Canceled || error.httpStatus === 413 || error.httpStatus === 422) throw error;
      const { status, type, message } = rewrite(error);
      throw new GatewayError({
        code: error.code,
        message,
        type,
        httpStatus: status,
        errorCode: String(status),
        param: error.param,
        retryable: error.retryable,
        cause: error,
      });
    }
  };
}

/** A body that does not fit LiteLLM's request model: FastAPI's 422. */
function unprocessable(message: string, param?: string): GatewayError {
  return new GatewayError({ code: Code.InvalidArgument, message, param, httpStatus: 422, errorCode: "422" });
}

interface DeploymentBody {
  modelName?: string;
  litellmParams?: JsonObject;
  modelInfo?: JsonObject;
}

/**
 * LiteLLM's Deployment (`/model/new`: model_name and litellm_params with its
 * model required) or updateDeployment (every part optional). Null parts are
 * left out, as pydantic reads them.
 */
function deploymentBody(body: unknown, required: boolean): DeploymentBody {
  if (!isMapping(body)) throw unprocessable("request body must be a JSON object");
  const decoded: DeploymentBody = {};
  const { model_name: modelName, litellm_params: params, model_info: info } = body;
  if (modelName !== undefined && modelName !== null) {
    if (typeof modelName !== "string") throw unprocessable("model_name must be a string", "model_name");
    decoded.modelName = modelName;
  } else if (required) throw unprocessable("model_name is required", "model_name");
  if (params !== undefined && params !== null) {
    if (!isMapping(params)) throw unprocessable("litellm_params must be an object", "litellm_params");
    if (required && typeof params.model !== "string") {
      throw unprocessable("litellm_params.model is required (a string)", "litellm_params.model");
    }
    decoded.litellmParams = params as JsonObject;
  } else if (required) throw unprocessable("litellm_params is required", "litellm_params");
  if (info !== undefined && info !== null) {
    if (!isMapping(info)) throw unprocessable("model_info must be an object", "model_info");
    decoded.modelInfo = info as JsonObject;
  }
  return decoded;
}

/** A body's deployment as the Model service takes it: a part left out is empty. */
function deploymentFields(body: DeploymentBody) {
  return {
    modelName: body.modelName ?? "",
    litellmParams: body.litellmParams ?? {},
    modelInfo: body.modelInfo ?? {},
  };
}

/** LiteLLM's row (LiteLLM_ProxyModelTable) for a stored deployment, secrets masked by the service. */
function storedRow(deployment: Deployment) {
  return {
    model_id: deployment.modelId,
    model_name: deployment.modelName,
    litellm_params: deployment.litellmParams ?? {},
    model_info: deployment.modelInfo ?? {},
    created_at: deployment.createTime ? timestampDate(deployment.createTime).toISOString() : null,
    created_by: deployment.createdBy || null,
    updated_at: deployment.updateTime ? timestampDate(deployment.updateTime).toISOString() : null,
    updated_by: deployment.updatedBy || null,
  };
}
