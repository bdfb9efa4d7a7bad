import { create, type JsonObject } from "@bufbuild/protobuf";
import { Code, type HandlerContext } from "@connectrpc/connect";
import {
  CreateCredentialResponseSchema,
  type Credential,
  CredentialSchema,
  type CredentialService,
  CredentialSource,
  DeleteCredentialResponseSchema,
  FinishSaltKeyRotationResponseSchema,
  GetCredentialResponseSchema,
  GetModelCredentialResponseSchema,
  ListCredentialsResponseSchema,
  RotateSaltKeyResponseSchema,
  UpdateCredentialResponseSchema,
} from "../../gen/switchyard/v1/credential_pb.js";
import { principalKey } from "../auth/context-keys.js";
import type { PlainCredential } from "../credentials/config-credentials.js";
import type { CredentialCipher } from "../credentials/encryption/credential-cipher.js";
import { isSensitiveField, maskCredentialValues, maskSecret } from "../credentials/mask.js";
import { rotateSaltKey, writeWithCurrentKey } from "../credentials/salt-key-rotation.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { Logger } from "../observability/logger.js";
import type { DeploymentCredentials } from "../router/deployment-credentials.js";
import {
  type CredentialRecord,
  type CredentialRepository,
  credentialNotFound,
} from "../store/credential-repository.js";
import type { ModelRepository } from "../store/model-repository.js";
import { refreshAfterWrite, requireAdmin, requireStore, withStore } from "./admin-guards.js";
import { decryptForDisplay } from "./decrypt-for-display.js";
import { recordTimes } from "./record-times.js";
import type { ServiceHandlers } from "./service-handlers.js";

/**
 * The service with its concrete message types, so the REST shim can encode
 * what it returns; assignable to ServiceImpl<typeof CredentialService>.
 */
export type CredentialHandlers = ServiceHandlers<typeof CredentialService>;

export interface CredentialServiceDeps {
  /** Absent when the gateway runs without a database: writes answer UNAVAILABLE; config credentials still read. */
  readonly repository?: Pick<
    CredentialRepository,
    "create" | "get" | "list" | "update" | "delete" | "replaceAllValues" | "finishRotation"
  >;
  readonly cipher: CredentialCipher;
  /** The YAML's credential_list (values in clear): listed and read, never written through the API. */
  readonly configCredentials?: readonly PlainCredential[];
  /** The config file's path, named when a config credential is written to. */
  readonly configFile?: string;
  /** A deployment's credentials by its id (model_info.id); absent: no deployment is known. */
  readonly deploymentCredentials?: (modelId: string) => DeploymentCredentials | undefined;
  /**
   * Awaited after a successful write, before answering, so this replica's
   * own next request sees the change (other replicas hear of it by NOTIFY).
   * Called with undefined after a salt-key rotation: everything changed.
   */
  readonly onChanged?: (credentialName: string | undefined) => Promise<void>;
  /** Brings the cipher up to the store's salt key; awaited when a write finds the key changed. */
  readonly syncSaltKey?: () => Promise<void>;
  /** Stored models: a salt-key rotation rewrites their secrets too, in the same transaction. */
  readonly modelSecrets?: Pick<ModelRepository, "rewriteSecrets">;
  /** Told (without values) when a stored value does not decrypt on a read. */
  readonly logger?: Logger;
}

/**
 * Named provider credentials, admin only (the master key or an admin key;
 * salt-key rotation: the master key). Stored ones are encrypted with the
 * cipher before the repository sees them; config ones (credential_list) are
 * listed and read beside them, marked CONFIG, and refuse writes with an error
 * that names the config file — a stored credential of the same name may be
 * created, and is then the one served. Reads mask values as LiteLLM does
 * (mask.ts); a stored value that does not decrypt reads as `*****` rather
 * than failing the whole answer. No error message or log line this service
 * writes holds a value.
 */
export function createCredentialService(deps: CredentialServiceDeps): CredentialHandlers {
  const { cipher, logger } = deps;
  const configCredentials = new Map(
    (deps.configCredentials ?? []).map((credential) => [credential.name, credential]),
  );

  function repositoryFor(context: HandlerContext, what = "credentials") {
    requireAdmin(context, what);
    return requireStore(deps.repository, "credential");
  }

  function stored(record: CredentialRecord): Credential {
    const values = decryptForDisplay(
      record.values,
      (value, field) => {
        const plain = cipher.decryptValue(value, { credentialName: record.name, field });
        return isSensitiveField(field) ? maskSecret(plain) : plain;
      },
      (field, err) =>
        logger?.warn(
          { credential: record.name, field, err },
          "credentials: a stored value does not decrypt; shown as *****",
        ),
    );
    return create(CredentialSchema, {
      credentialName: record.name,
      credentialValues: values,
      credentialInfo: record.info as JsonObject,
      ...recordTimes(record),
      source: CredentialSource.STORE,
    });
  }

  function fromConfig(credential: PlainCredential): Credential {
    return create(CredentialSchema, {
      credentialName: credential.name,
      credentialValues: maskCredentialValues(credential.values),
      credentialInfo: (credential.info ?? {}) as JsonObject,
      source: CredentialSource.CONFIG,
    });
  }

  /** NotFound from the store for a config credential becomes "change it in the config file". */
  function configOnly(error: unknown, name: string): unknown {
    if (GatewayError.from(error).code !== Code.NotFound || !configCredentials.has(name)) return error;
    return new GatewayError({
      code: Code.FailedPrecondition,
      message:
        `credential "${name}" is defined in the config file (${deps.configFile ?? "credential_list"}), ` +
        "not stored: change it there",
      errorCode: "credential_in_config",
    });
  }

  const changed = (name: string | undefined) => refreshAfterWrite(deps.onChanged, name);

  /** A write whose values are encrypted inside `write`, again with the new key after a rotation elsewhere. */
  const withCurrentKey = <Result>(write: (keyId: string | undefined) => Promise<Result>) =>
    writeWithCurrentKey(cipher, deps.syncSaltKey, write);

  function copiedFrom(modelId: string): Record<string, string> {
    const found = deps.deploymentCredentials?.(modelId);
    if (!found) throw modelNotFound(modelId);
    const values: Record<string, string> = {};
    for (const [field, value] of Object.entries(found.values)) {
      values[field] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return values;
  }

  return {
    async createCredential(request, context) {
      const repository = repositoryFor(context);
      const credential = request.credential;
      const name = requireName(credential?.credentialName, "credential.credential_name");
      // LiteLLM: model_id's credentials replace any values given.
      const values = request.modelId ? copiedFrom(request.modelId) : (credential?.credentialValues ?? {});
      if (Object.keys(values).length === 0) {
        throw GatewayError.invalidArgument(
          request.modelId
            ? `model "${request.modelId}" has no credentials to copy`
            : "credential_values must hold at least one value (or give model_id to copy a model's)",
          request.modelId ? "model_id" : "credential_values",
        );
      }
      const record = await withStore(`create credential "${name}"`, () =>
        withCurrentKey((keyId) =>
          repository.create({
            name,
            values: cipher.encryptValues(values),
            info: credential?.credentialInfo ?? {},
            keyId,
          }),
        ),
      );
      await changed(name);
      return create(CreateCredentialResponseSchema, { credential: stored(record) });
    },

    async getCredential(request, context) {
      requireAdmin(context, "credentials");
      const name = requireName(request.credentialName, "credential_name");
      const repository = deps.repository;
      const record = repository && (await withStore(`read credential "${name}"`, () => repository.get(name)));
      if (record) return create(GetCredentialResponseSchema, { credential: stored(record) });
      const configured = configCredentials.get(name);
      if (!configured) throw credentialNotFound(name);
      return create(GetCredentialResponseSchema, { credential: fromConfig(configured) });
    },

    async listCredentials(_request, context) {
      requireAdmin(context, "credentials");
      const repository = deps.repository;
      const records = repository ? await withStore("list credentials", () => repository.list()) : [];
      const storedNames = new Set(records.map((record) => record.name));
      const credentials = [
        ...records.map(stored),
        ...[...configCredentials.values()].filter(({ name }) => !storedNames.has(name)).map(fromConfig),
      ].sort((left, right) => (left.credentialName < right.credentialName ? -1 : 1));
      return create(ListCredentialsResponseSchema, { credentials });
    },

    async updateCredential(request, context) {
      requireAdmin(context, "credentials");
      const name = requireName(request.credentialName, "credential_name");
      if (!deps.repository && configCredentials.has(name)) throw configOnly(credentialNotFound(name), name);
      const repository = repositoryFor(context);
      const newName = request.newCredentialName.trim() === "" ? undefined : request.newCredentialName;
      const record = await withStore(`update credential "${name}"`, () =>
        withCurrentKey((keyId) =>
          repository.update(name, {
            values: cipher.encryptValues(request.credentialValues),
            info: request.credentialInfo ?? {},
            removedKeys: request.removedValueKeys,
            newName,
            keyId,
          }),
        ),
      ).catch((error: unknown) => {
        throw configOnly(error, name);
      });
      await changed(name);
      if (record.name !== name) await changed(record.name);
      return create(UpdateCredentialResponseSchema, { credential: stored(record) });
    },

    async deleteCredential(request, context) {
      requireAdmin(context, "credentials");
      const name = requireName(request.credentialName, "credential_name");
      if (!deps.repository && configCredentials.has(name)) throw configOnly(credentialNotFound(name), name);
      const repository = repositoryFor(context);
      await withStore(`delete credential "${name}"`, () => repository.delete(name)).catch(
        (error: unknown) => {
          throw configOnly(error, name);
        },
      );
      await changed(name);
      return create(DeleteCredentialResponseSchema, {});
    },

    async getModelCredential(request, context) {
      requireAdmin(context, "credentials");
      const modelId = requireName(request.modelId, "model_id");
      const found = deps.deploymentCredentials?.(modelId);
      if (!found) throw modelNotFound(modelId);
      return create(GetModelCredentialResponseSchema, {
        credential: create(CredentialSchema, {
          credentialName: `${found.modelGroup}-credential-${modelId}`,
          credentialValues: maskCredentialValues(found.values),
          credentialInfo: {},
        }),
      });
    },

    async rotateSaltKey(request, context) {
      requireMasterKey(context);
      const repository = repositoryFor(context, "the salt key");
      requireName(request.oldSaltKey, "old_salt_key");
      requireName(request.newSaltKey, "new_salt_key");
      const rewritten = await withStore("rotate the salt key", () =>
        rotateSaltKey(repository, cipher, {
          oldSaltKey: request.oldSaltKey,
          newSaltKey: request.newSaltKey,
          models: deps.modelSecrets,
        }),
      );
      logger?.warn(
        { credentials: rewritten },
        "credentials: salt key rotated; set LITELLM_SALT_KEY to the new key on every replica, then finish the rotation",
      );
      await changed(undefined);
      return create(RotateSaltKeyResponseSchema, { credentialsRewritten: rewritten });
    },

    async finishSaltKeyRotation(_request, context) {
      requireMasterKey(context);
      const repository = repositoryFor(context, "the salt key");
      const finished = await withStore("finish the salt-key rotation", () => repository.finishRotation());
      if (!finished) {
        throw new GatewayError({
          code: Code.FailedPrecondition,
          message: "no salt-key rotation is in progress",
          errorCode: "no_rotation",
        });
      }
      return create(FinishSaltKeyRotationResponseSchema, {});
    },
  };
}

/** The salt key opens every stored secret: only the master key may change it. */
function requireMasterKey(context: HandlerContext): void {
  requireAdmin(context, "the salt key");
  if (context.values.get(principalKey).kind === "master") return;
  throw new GatewayError({
    code: Code.PermissionDenied,
    message: "Only the master key may rotate the salt key.",
    errorCode: "admin_only",
  });
}

function requireName(name: string | undefined, param: string): string {
  if (!name || name.trim() === "") throw GatewayError.invalidArgument(`${param} is required`, param);
  return name;
}

function modelNotFound(modelId: string): GatewayError {
  return new GatewayError({
    code: Code.NotFound,
    message: `Model not found: no deployment has model id "${modelId}"`,
    errorCode: "model_not_found",
    param: "model_id",
  });
}
