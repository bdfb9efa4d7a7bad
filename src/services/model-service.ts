import { randomUUID } from "node:crypto";
import { create, type JsonObject } from "@bufbuild/protobuf";
import { Code, type HandlerContext } from "@connectrpc/connect";
import {
  CreateDeploymentResponseSchema,
  DeleteDeploymentResponseSchema,
  type Deployment,
  DeploymentSchema,
  DeploymentSource,
  GetDeploymentResponseSchema,
  ListDeploymentsResponseSchema,
  type ModelService,
  UpdateDeploymentResponseSchema,
} from "../../gen/switchyard/v1/model_pb.js";
import { principalKey } from "../auth/context-keys.js";
import type { CredentialCipher } from "../credentials/encryption/credential-cipher.js";
import { maskSecret } from "../credentials/mask.js";
import { writeWithCurrentKey } from "../credentials/salt-key-rotation.js";
import { GatewayError } from "../errors/gateway-error.js";
import { publicParams } from "../models/public-params.js";
import type { ModelEntry, ServedModels } from "../models/served-models.js";
import { type ModelInput, maskedParams, modelIdOf, splitSecrets } from "../models/stored-model.js";
import type { Logger } from "../observability/logger.js";
import { MAX_MODEL_NAME_CHARS } from "../requests/request-limits.js";
import type { ModelChange, ModelRecord, ModelRepository } from "../store/model-repository.js";
import { refreshAfterWrite, requireAdmin, requireStore, withStore } from "./admin-guards.js";
import { decryptForDisplay } from "./decrypt-for-display.js";
import { recordTimes } from "./record-times.js";
import type { ServiceHandlers } from "./service-handlers.js";

/** The service with its concrete message types; assignable to ServiceImpl<typeof ModelService>. */
export type ModelHandlers = ServiceHandlers<typeof ModelService>;

export interface ModelServiceDeps {
  /** Absent when the gateway runs without a database: writes answer UNAVAILABLE; config models still read. */
  readonly repository?: Pick<ModelRepository, "create" | "get" | "list" | "update" | "delete">;
  readonly cipher: CredentialCipher;
  /** What the gateway serves now: config models are read here, and refuse writes. */
  readonly served: Pick<ServedModels, "entries" | "get" | "isConfigModel">;
  /** Checks a deployment as a model_list entry of the config file (see checkModel). */
  readonly check: (input: ModelInput) => { config: unknown } | { problems: string[] };
  /** `store_model_in_db: false`: stored models are neither served nor written (LiteLLM's switch). */
  readonly storeDisabled?: boolean;
  /**
   * Awaited after a successful write, before answering, so this replica's
   * own next request is routed with the change (other replicas hear of it by NOTIFY).
   */
  readonly onChanged?: (modelId: string) => Promise<void>;
  /** Brings the cipher up to the store's salt key; awaited when a write finds the key changed. */
  readonly syncSaltKey?: () => Promise<void>;
  /** Told (without values) when a stored secret does not decrypt on a read. */
  readonly logger?: Logger;
}

/** Ids ride in NOTIFY payloads and URLs: bounded, printable. */
const MAX_ID_CHARS = 256;
const ID_SYNTAX = /^[\x21-\x7e]+$/;
/** LiteLLM's name for the master key's user (LITELLM_PROXY_ADMIN_NAME). */
const PROXY_ADMIN_NAME = "default_user_id";
/** model_info keys the gateway owns: set on reads, never stored. */
const DERIVED_INFO_KEYS = new Set(["id", "db_model"]);

/**
 * Deployments as a managed entity (LiteLLM's store_model_in_db), admin
 * only. Stored ones are checked as config entries are (an unservable one is
 * INVALID_ARGUMENT naming the field), their secret fields encrypted with the
 * cipher before the repository sees them, and every change reaches the router
 * of every replica without a restart. Config deployments (model_list) are
 * listed and read beside them and refuse writes, as LiteLLM refuses them.
 * Reads mask secrets; no error message or log line holds one.
 */
export function createModelService(deps: ModelServiceDeps): ModelHandlers {
  const { cipher, served, logger } = deps;

  function repositoryFor(context: HandlerContext) {
    requireAdmin(context, "models");
    const repository = requireStore(deps.repository, "model");
    if (deps.storeDisabled) {
      throw new GatewayError({
        code: Code.FailedPrecondition,
        message: "Set `'STORE_MODEL_IN_DB='True'` in your env to enable this feature.",
        errorCode: "store_model_in_db_disabled",
      });
    }
    return repository;
  }

  /** The repository for a change to one stored model: a config model is refused as such while models are not stored. */
  function storedFor(context: HandlerContext, modelId: string | undefined) {
    requireAdmin(context, "models");
    const id = requireId(modelId);
    if (!readable() && served.isConfigModel(id)) throw inConfig();
    return { id, repository: repositoryFor(context) };
  }

  /** The stored rows, or none when the store is absent or switched off. */
  function readable() {
    return deps.storeDisabled ? undefined : deps.repository;
  }

  function stored(record: ModelRecord): Deployment {
    const secrets = decryptForDisplay(
      record.secrets,
      (value, field) => cipher.decryptValue(value, { credentialName: `model ${record.id}`, field }),
      (field, err) =>
        logger?.warn(
          { model: record.id, field, err },
          "models: a stored secret does not decrypt; shown as *****",
        ),
    );
    return create(DeploymentSchema, {
      modelId: record.id,
      modelName: record.modelName,
      litellmParams: maskedParams(record.params, secrets) as JsonObject,
      modelInfo: { ...record.modelInfo, id: record.id, db_model: true } as JsonObject,
      source: DeploymentSource.STORE,
      ...recordTimes(record),
      createdBy: record.createdBy ?? "",
      updatedBy: record.updatedBy ?? "",
    });
  }

  function fromConfig(entry: ModelEntry): Deployment {
    return create(DeploymentSchema, {
      modelId: entry.config.id,
      modelName: entry.config.modelName,
      litellmParams: publicParams(entry.config) as JsonObject,
      modelInfo: { ...entry.config.modelInfo, id: entry.config.id, db_model: false } as JsonObject,
      source: DeploymentSource.CONFIG,
    });
  }

  /** Checks the whole deployment, then splits and encrypts it for the store. */
  function toStore(
    id: string,
    modelName: string,
    params: Record<string, unknown>,
    modelInfo: Record<string, unknown>,
  ) {
    // A longer name could never be called: requests' model names are bounded alike.
    if (modelName.length > MAX_MODEL_NAME_CHARS) {
      throw GatewayError.invalidArgument(
        `model_name must be at most ${MAX_MODEL_NAME_CHARS} characters (it has ${modelName.length})`,
        "model_name",
      );
    }
    const checked = deps.check({ id, modelName, litellmParams: params, modelInfo });
    if ("problems" in checked) {
      const [first] = checked.problems;
      throw GatewayError.invalidArgument(
        `invalid model: ${checked.problems.join("; ")}`,
        first?.slice(0, first.indexOf(":")) || undefined,
      );
    }
    const { clear, secrets } = splitSecrets(params);
    return { params: clear, secrets: cipher.encryptValues(secrets), modelInfo: storedInfo(modelInfo) };
  }

  /** NotFound from the store for a config model becomes "change it in the config file". */
  function configOnly(error: unknown, id: string): unknown {
    if (GatewayError.from(error).code !== Code.NotFound || !served.isConfigModel(id)) return error;
    return inConfig();
  }

  const changed = (id: string) => refreshAfterWrite(deps.onChanged, id);

  return {
    async listDeployments(request, context) {
      requireAdmin(context, "models");
      const repository = readable();
      const records = repository ? await withStore("list models", () => repository.list()) : [];
      const wanted = (name: string) => request.modelName === "" || name === request.modelName;
      const deployments = [
        ...served
          .entries()
          .filter((entry) => !entry.stored && wanted(entry.config.modelName))
          .map(fromConfig),
        ...records.filter((record) => wanted(record.modelName)).map(stored),
      ];
      return create(ListDeploymentsResponseSchema, { deployments });
    },

    async getDeployment(request, context) {
      requireAdmin(context, "models");
      const id = requireId(request.modelId);
      const repository = readable();
      const record = repository && (await withStore(`read model "${id}"`, () => repository.get(id)));
      if (record) return create(GetDeploymentResponseSchema, { deployment: stored(record) });
      const entry = served.get(id);
      if (!entry || entry.stored) throw notFound(id);
      return create(GetDeploymentResponseSchema, { deployment: fromConfig(entry) });
    },

    async createDeployment(request, context) {
      const repository = repositoryFor(context);
      const given = request.deployment;
      const modelInfo = { ...(given?.modelInfo ?? {}) };
      const id = requireId(given?.modelId || modelIdOf(modelInfo.id) || randomUUID(), "deployment.model_id");
      if (served.isConfigModel(id)) {
        throw new GatewayError({
          code: Code.AlreadyExists,
          message: `a model_list entry of the config file has the id "${id}"; choose another model_info.id`,
          errorCode: "model_exists",
          param: "model_info.id",
        });
      }
      const modelName = given?.modelName ?? "";
      const row = toStore(id, modelName, { ...(given?.litellmParams ?? {}) }, modelInfo);
      const record = await withStore(`create model "${id}"`, () =>
        writeWithCurrentKey(cipher, deps.syncSaltKey, (keyId) =>
          repository.create({ id, modelName, ...row, createdBy: callerName(context), keyId }),
        ),
      );
      await changed(id);
      return create(CreateDeploymentResponseSchema, { deployment: stored(record) });
    },

    async updateDeployment(request, context) {
      const { id, repository } = storedFor(context, request.modelId);
      const change = (current: ModelRecord, keyId: string | undefined): ModelChange => {
        const secrets = cipher.decryptValues(current.secrets, `model ${id}`);
        const params = { ...current.params, ...secrets };
        const modelName = request.modelName === "" ? current.modelName : request.modelName;
        const row = toStore(
          id,
          modelName,
          patched(params, withoutMaskedEchoes(request.litellmParams, secrets)),
          patched(current.modelInfo, request.modelInfo),
        );
        return { modelName, ...row, updatedBy: callerName(context), keyId };
      };
      const record = await withStore(`update model "${id}"`, () =>
        writeWithCurrentKey(cipher, deps.syncSaltKey, (keyId) =>
          repository.update(id, (current) => change(current, keyId)),
        ),
      ).catch((error: unknown) => {
        throw configOnly(error, id);
      });
      await changed(id);
      return create(UpdateDeploymentResponseSchema, { deployment: stored(record) });
    },

    async deleteDeployment(request, context) {
      const { id, repository } = storedFor(context, request.modelId);
      await withStore(`delete model "${id}"`, () => repository.delete(id)).catch((error: unknown) => {
        throw configOnly(error, id);
      });
      await changed(id);
      return create(DeleteDeploymentResponseSchema, {});
    },
  };
}

/** `patch`'s keys set on `base`; a key set to null is removed. */
function patched(base: Record<string, unknown>, patch: JsonObject | undefined): Record<string, unknown> {
  const next = { ...base };
  for (const [key, value] of Object.entries(patch ?? {})) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}

/**
 * The patch without secrets sent back as a read showed them ("sk****yz"): a
 * client that edits what it read (a form) must not store the mask as the key.
 */
function withoutMaskedEchoes(
  patch: JsonObject | undefined,
  secrets: Readonly<Record<string, string>>,
): JsonObject | undefined {
  if (!patch) return patch;
  const kept: JsonObject = {};
  for (const [key, value] of Object.entries(patch)) {
    const current = secrets[key];
    if (current === undefined || value !== maskSecret(current)) kept[key] = value;
  }
  return kept;
}

/** model_info as stored: without the keys the gateway sets on reads. */
function storedInfo(modelInfo: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(modelInfo)) {
    if (!DERIVED_INFO_KEYS.has(key) && value !== null && value !== undefined) kept[key] = value;
  }
  return kept;
}

function requireId(id: string | undefined, param = "model_id"): string {
  if (!id || id.trim() === "") throw GatewayError.invalidArgument(`${param} is required`, param);
  if (id.length > MAX_ID_CHARS || !ID_SYNTAX.test(id)) {
    throw GatewayError.invalidArgument(
      `${param} must be 1 to ${MAX_ID_CHARS} printable ASCII characters without spaces`,
      param,
    );
  }
  return id;
}

/** Who made a change, as LiteLLM records it in created_by/updated_by. */
function callerName(context: HandlerContext): string {
  const principal = context.values.get(principalKey);
  if (principal.kind === "virtual_key") return principal.key.keyAlias ?? principal.key.keyName;
  return PROXY_ADMIN_NAME;
}

function inConfig(): GatewayError {
  return new GatewayError({
    code: Code.FailedPrecondition,
    message: "Cannot edit config-based model. Store model in DB via /model/new first.",
    errorCode: "model_in_config",
  });
}

function notFound(id: string): GatewayError {
  return new GatewayError({
    code: Code.NotFound,
    message: `Model ${id.slice(0, MAX_ID_CHARS)} not found on proxy.`,
    errorCode: "model_not_found",
    param: "model_id",
  });
}
