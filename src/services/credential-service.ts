import { create, type JsonObject } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, type HandlerContext } from "@connectrpc/connect";
import {
  type CreateCredentialRequest,
  type CreateCredentialResponse,
  CreateCredentialResponseSchema,
  type Credential,
  CredentialSchema,
  type DeleteCredentialRequest,
  type DeleteCredentialResponse,
  DeleteCredentialResponseSchema,
  type GetCredentialRequest,
  type GetCredentialResponse,
  GetCredentialResponseSchema,
  type ListCredentialsRequest,
  type ListCredentialsResponse,
  ListCredentialsResponseSchema,
  type UpdateCredentialRequest,
  type UpdateCredentialResponse,
  UpdateCredentialResponseSchema,
} from "../../gen/switchyard/v1/credential_pb.js";
import type { CredentialCipher } from "../credentials/encryption/credential-cipher.js";
import { maskSecret } from "../credentials/mask.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { Logger } from "../observability/logger.js";
import type { CredentialRecord, CredentialRepository } from "../store/credential-repository.js";
import { requireAdmin, withStore } from "./admin-guards.js";

/**
 * The service with its concrete message types, so the REST shim can encode
 * what it returns; assignable to ServiceImpl<typeof CredentialService>.
 */
export interface CredentialHandlers {
  createCredential(
    request: CreateCredentialRequest,
    context: HandlerContext,
  ): Promise<CreateCredentialResponse>;
  getCredential(request: GetCredentialRequest, context: HandlerContext): Promise<GetCredentialResponse>;
  listCredentials(request: ListCredentialsRequest, context: HandlerContext): Promise<ListCredentialsResponse>;
  updateCredential(
    request: UpdateCredentialRequest,
    context: HandlerContext,
  ): Promise<UpdateCredentialResponse>;
  deleteCredential(
    request: DeleteCredentialRequest,
    context: HandlerContext,
  ): Promise<DeleteCredentialResponse>;
}

export interface CredentialServiceDeps {
  /** Absent when the gateway runs without a database: every call answers UNAVAILABLE. */
  readonly repository?: Pick<CredentialRepository, "create" | "get" | "list" | "update" | "delete">;
  readonly cipher: Pick<CredentialCipher, "encryptValues" | "decryptValue">;
  /**
   * Awaited after a successful write, before answering, so this replica's
   * own next request sees the change (other replicas hear of it by NOTIFY).
   */
  readonly onChanged?: (credentialName: string) => Promise<void>;
  /** Told (without values) when a stored value does not decrypt on a read. */
  readonly logger?: Logger;
}

/**
 * Named provider credentials, admin only (the master key). Values are
 * encrypted with the cipher before the repository sees them; reads decrypt
 * and mask every value (first four characters then `****`), a value that
 * does not decrypt reading as `****` rather than failing the whole answer.
 * No error message or log line this service writes holds a value.
 */
export function createCredentialService(deps: CredentialServiceDeps): CredentialHandlers {
  const { cipher, logger } = deps;

  function repositoryFor(context: HandlerContext) {
    requireAdmin(context, "credentials");
    if (!deps.repository) {
      throw new GatewayError({
        code: Code.Unavailable,
        message: "credential management needs a database, and this gateway runs without one",
        errorCode: "store_unavailable",
        retryable: false,
      });
    }
    return deps.repository;
  }

  function masked(record: CredentialRecord): Credential {
    const values: Record<string, string> = {};
    for (const [field, stored] of Object.entries(record.values)) {
      try {
        values[field] = maskSecret(cipher.decryptValue(stored, { credentialName: record.name, field }));
      } catch (error) {
        values[field] = "****";
        logger?.warn(
          { credential: record.name, field, err: GatewayError.from(error).rawMessage },
          "credentials: a stored value does not decrypt; shown as ****",
        );
      }
    }
    return create(CredentialSchema, {
      credentialName: record.name,
      credentialValues: values,
      credentialInfo: record.info as JsonObject,
      createTime: timestampFromDate(record.createdAt),
      updateTime: timestampFromDate(record.updatedAt),
    });
  }

  async function changed(name: string): Promise<void> {
    // The write is committed: a failed local refresh must not turn it into an error (NOTIFY retries it).
    await deps.onChanged?.(name).catch(() => {});
  }

  return {
    async createCredential(request, context) {
      const repository = repositoryFor(context);
      const credential = request.credential;
      const name = requireName(credential?.credentialName, "credential.credential_name");
      if (!credential || Object.keys(credential.credentialValues).length === 0) {
        throw GatewayError.invalidArgument(
          "credential_values must hold at least one value",
          "credential_values",
        );
      }
      const record = await withStore(`create credential "${name}"`, () =>
        repository.create({
          name,
          values: cipher.encryptValues(credential.credentialValues),
          info: credential.credentialInfo ?? {},
        }),
      );
      await changed(name);
      return create(CreateCredentialResponseSchema, { credential: masked(record) });
    },

    async getCredential(request, context) {
      const repository = repositoryFor(context);
      const name = requireName(request.credentialName, "credential_name");
      const record = await withStore(`read credential "${name}"`, () => repository.get(name));
      if (!record) throw notFound(name);
      return create(GetCredentialResponseSchema, { credential: masked(record) });
    },

    async listCredentials(_request, context) {
      const repository = repositoryFor(context);
      const records = await withStore("list credentials", () => repository.list());
      return create(ListCredentialsResponseSchema, { credentials: records.map(masked) });
    },

    async updateCredential(request, context) {
      const repository = repositoryFor(context);
      const name = requireName(request.credentialName, "credential_name");
      const record = await withStore(`update credential "${name}"`, () =>
        repository.update(name, {
          values: cipher.encryptValues(request.credentialValues),
          info: request.credentialInfo ?? {},
        }),
      );
      await changed(name);
      return create(UpdateCredentialResponseSchema, { credential: masked(record) });
    },

    async deleteCredential(request, context) {
      const repository = repositoryFor(context);
      const name = requireName(request.credentialName, "credential_name");
      await withStore(`delete credential "${name}"`, () => repository.delete(name));
      await changed(name);
      return create(DeleteCredentialResponseSchema, {});
    },
  };
}

function requireName(name: string | undefined, param: string): string {
  if (!name || name.trim() === "") throw GatewayError.invalidArgument(`${param} is required`, param);
  return name;
}

function notFound(name: string): GatewayError {
  return new GatewayError({
    code: Code.NotFound,
    message: `credential "${name}" not found`,
    errorCode: "credential_not_found",
  });
}
