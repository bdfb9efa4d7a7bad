import { randomBytes } from "node:crypto";
import { create, type JsonObject } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { HandlerContext } from "@connectrpc/connect";
import {
  BlockKeyResponseSchema,
  DeleteKeyResponseSchema,
  type GenerateKeyRequest,
  GenerateKeyResponseSchema,
  GetKeyResponseSchema,
  type KeyService,
  ListKeysResponseSchema,
  RegenerateKeyResponseSchema,
  UnblockKeyResponseSchema,
  type UpdateKeyRequest,
  UpdateKeyResponseSchema,
  type VirtualKey as VirtualKeyMessage,
  VirtualKeySchema,
} from "../../gen/switchyard/v1/key_pb.js";
import { GatewayError } from "../errors/gateway-error.js";
import { addDuration, parseDuration } from "../keys/duration.js";
import { keyNameOf, tokenIdOf, type VirtualKey } from "../keys/virtual-key.js";
import {
  type KeyRepository,
  keyNotFound,
  type NewVirtualKey,
  type VirtualKeyPatch,
} from "../store/key-repository.js";
import {
  refreshAfterWrite,
  requireAdmin,
  requireSelfOrAdmin,
  requireStore,
  withStore,
} from "./admin-guards.js";
import { recordTimes } from "./record-times.js";
import type { ServiceHandlers } from "./service-handlers.js";

/** The service with its concrete message types; assignable to ServiceImpl<typeof KeyService>. */
export type KeyHandlers = ServiceHandlers<typeof KeyService>;

export interface KeyServiceDeps {
  /** Absent when the gateway runs without a database: every call answers UNAVAILABLE. */
  readonly repository?: Pick<KeyRepository, "create" | "get" | "list" | "update" | "replaceToken" | "delete">;
  /** Refuses the master key as a chosen key value. */
  readonly isMasterKey?: (key: string) => boolean;
  /**
   * Awaited after a successful write, with the token ids it touched, before
   * answering, so this replica's own next request sees the change (other
   * replicas hear of it by NOTIFY).
   */
  readonly onChanged?: (tokenIds: readonly string[]) => Promise<void>;
  /** The clock expiry and budget periods start from, ms since the epoch; default Date.now. */
  readonly now?: () => number;
}

/** Random bytes in a generated key: 256 bits, base64url (LiteLLM uses 128). */
const KEY_BYTES = 32;
/** "sk-" then printable ASCII without spaces: what fits in a bearer header as is. */
const KEY_SYNTAX = /^sk-[\x21-\x7e]+$/;
const TOKEN_ID_SYNTAX = /^[0-9a-f]{64}$/;
/** LiteLLM's ways of saying "every model". */
const ALL_MODELS = new Set(["*", "all-proxy-models"]);
const MAX_INT32 = 2 ** 31 - 1;
/** Longest model name a key may list (the request validators cap model names alike). */
const MAX_MODEL_NAME = 256;

/**
 * Virtual keys, admin only: the master key, or a key whose metadata.role is
 * "proxy_admin". The one exception: a key may read its own info (GetKey with
 * itself), as LiteLLM's /key/info allows. A key's value is random (or the
 * caller's choice, "sk-…"), returned by GenerateKey and RegenerateKey only,
 * and never stored: the repository sees its SHA-256 and "sk-...abcd".
 *
 * Checks, each failure an INVALID_ARGUMENT naming the field: `models` are
 * names of up to 256 characters, kept as given and matched at call time ("*"
 * and "all-proxy-models" mean all, stored as the empty list); `max_budget` ≥ 0;
 * rpm/tpm limits > 0, max_parallel_requests ≥ 0; durations in LiteLLM's syntax ("30s", "10m",
 * "1h", "30d", "1w", "1mo"). Expiry and the first budget reset are counted
 * from now; UpdateKey with `duration` "" or "-1" removes the expiry, with
 * `budget_duration` "" makes the budget one that never resets.
 */
export function createKeyService(deps: KeyServiceDeps): KeyHandlers {
  const now = deps.now ?? Date.now;

  const repository = () => requireStore(deps.repository, "key");

  function adminRepository(context: HandlerContext) {
    requireAdmin(context, "keys");
    return repository();
  }

  const changed = (tokenIds: readonly string[]) => refreshAfterWrite(deps.onChanged, tokenIds);

  /**
   * Any names are kept, as LiteLLM keeps them: model groups, patterns (`openai/*`), access groups,
   * models or agents added later. They are matched when the key calls.
   */
  function checkModels(models: readonly string[]): string[] {
    const checked = new Set<string>();
    for (const [index, model] of models.entries()) {
      const param = `models[${index}]`;
      if (ALL_MODELS.has(model)) return [];
      if (model.trim() === "" || model.length > MAX_MODEL_NAME) {
        throw GatewayError.invalidArgument(
          `${param}: a model name of 1 to ${MAX_MODEL_NAME} characters`,
          param,
        );
      }
      checked.add(model);
    }
    return [...checked];
  }

  function checkCustomKey(key: string): string {
    if (!KEY_SYNTAX.test(key)) {
      // Never echo the value: it is a secret.
      throw GatewayError.invalidArgument(
        'key must start with "sk-" and hold only printable characters, no spaces',
        "key",
      );
    }
    if (deps.isMasterKey?.(key)) throw GatewayError.invalidArgument("key must not be the master key", "key");
    return key;
  }

  function newKey(request: GenerateKeyRequest, tokenId: string, keyName: string): NewVirtualKey {
    const start = now();
    const budgetDuration = request.budgetDuration
      ? parseDuration(request.budgetDuration, "budget_duration")
      : undefined;
    return {
      tokenId,
      keyName,
      ...(request.keyAlias !== "" && { keyAlias: request.keyAlias }),
      models: checkModels(request.models),
      ...(request.maxBudget !== undefined && { maxBudget: checkBudget(request.maxBudget) }),
      ...(budgetDuration && {
        budgetDuration: budgetDuration.text,
        budgetResetAt: addDuration(start, budgetDuration),
      }),
      ...(request.rpmLimit !== undefined && { rpmLimit: checkLimit(request.rpmLimit, "rpm_limit") }),
      ...(request.tpmLimit !== undefined && { tpmLimit: checkLimit(request.tpmLimit, "tpm_limit") }),
      ...(request.maxParallelRequests !== undefined && {
        maxParallelRequests: checkParallel(request.maxParallelRequests),
      }),
      ...(request.duration !== "" && {
        expiresAt: addDuration(start, parseDuration(request.duration, "duration")),
      }),
      metadata: request.metadata ?? {},
      blocked: request.blocked,
    };
  }

  function patchOf(request: UpdateKeyRequest): VirtualKeyPatch {
    const start = now();
    const patch: { -readonly [Field in keyof VirtualKeyPatch]: VirtualKeyPatch[Field] } = {};
    if (request.keyAlias !== undefined) patch.keyAlias = request.keyAlias === "" ? null : request.keyAlias;
    if (request.models !== undefined) patch.models = checkModels(request.models.models);
    if (request.maxBudget !== undefined) patch.maxBudget = checkBudget(request.maxBudget);
    if (request.budgetDuration !== undefined) {
      const budgetDuration =
        request.budgetDuration === "" ? undefined : parseDuration(request.budgetDuration, "budget_duration");
      patch.budgetDuration = budgetDuration?.text ?? null;
      patch.budgetResetAt = budgetDuration ? addDuration(start, budgetDuration) : null;
    }
    if (request.rpmLimit !== undefined) patch.rpmLimit = checkLimit(request.rpmLimit, "rpm_limit");
    if (request.tpmLimit !== undefined) patch.tpmLimit = checkLimit(request.tpmLimit, "tpm_limit");
    if (request.maxParallelRequests !== undefined) {
      patch.maxParallelRequests = checkParallel(request.maxParallelRequests);
    }
    if (request.duration !== undefined) {
      patch.expiresAt =
        request.duration === "" || request.duration === "-1"
          ? null
          : addDuration(start, parseDuration(request.duration, "duration"));
    }
    if (request.metadata !== undefined) patch.metadata = request.metadata;
    if (request.blocked !== undefined) patch.blocked = request.blocked;
    for (const field of request.clearFields) {
      const clear = CLEARS[field];
      if (!clear) {
        throw GatewayError.invalidArgument(
          `clear_fields: "${field.slice(0, 64)}" cannot be cleared (one of ${Object.keys(CLEARS).join(", ")})`,
          "clear_fields",
        );
      }
      for (const property of clear) {
        if (patch[property] !== undefined && patch[property] !== null) {
          throw GatewayError.invalidArgument(`${field} cannot be both set and cleared`, field);
        }
        (patch as Record<string, unknown>)[property] = null;
      }
    }
    return patch;
  }

  async function update(tokenId: string, patch: VirtualKeyPatch, action: string): Promise<VirtualKey> {
    const key = await withStore(`${action} key ${tokenId}`, () => repository().update(tokenId, patch));
    await changed([tokenId]);
    return key;
  }

  return {
    async generateKey(request, context) {
      const keys = adminRepository(context);
      const value = request.key === "" ? newKeyValue() : checkCustomKey(request.key);
      const record = newKey(request, tokenIdOf(value), keyNameOf(value));
      const key = await withStore("create a key", () => keys.create(record));
      await changed([key.tokenId]);
      return create(GenerateKeyResponseSchema, { key: value, info: toMessage(key) });
    },

    async getKey(request, context) {
      const tokenId = tokenIdFor(request.key, "key");
      // An unknown key is 404 whoever asks, as in LiteLLM; someone else's key needs an admin.
      const key = await withStore(`read key ${tokenId}`, () => repository().get(tokenId));
      if (!key) throw keyNotFound(tokenId);
      requireSelfOrAdmin(
        context,
        (principal) => principal.kind === "virtual_key" && principal.key.tokenId === tokenId,
        "keys",
      );
      return create(GetKeyResponseSchema, { info: toMessage(key) });
    },

    async listKeys(request, context) {
      const keys = adminRepository(context);
      const found = await withStore("list keys", () =>
        keys.list(request.keyAlias === "" ? {} : { keyAlias: request.keyAlias }),
      );
      return create(ListKeysResponseSchema, { keys: found.map(toMessage) });
    },

    async updateKey(request, context) {
      adminRepository(context);
      const tokenId = tokenIdFor(request.key, "key");
      const key = await update(tokenId, patchOf(request), "update");
      return create(UpdateKeyResponseSchema, { info: toMessage(key) });
    },

    async regenerateKey(request, context) {
      const keys = adminRepository(context);
      const oldTokenId = tokenIdFor(request.key, "key");
      const value = newKeyValue();
      const key = await withStore(`regenerate key ${oldTokenId}`, () =>
        keys.replaceToken(oldTokenId, tokenIdOf(value), keyNameOf(value)),
      );
      await changed([oldTokenId, key.tokenId]);
      return create(RegenerateKeyResponseSchema, { key: value, info: toMessage(key) });
    },

    async blockKey(request, context) {
      adminRepository(context);
      const key = await update(tokenIdFor(request.key, "key"), { blocked: true }, "block");
      return create(BlockKeyResponseSchema, { info: toMessage(key) });
    },

    async unblockKey(request, context) {
      adminRepository(context);
      const key = await update(tokenIdFor(request.key, "key"), { blocked: false }, "unblock");
      return create(UnblockKeyResponseSchema, { info: toMessage(key) });
    },

    async deleteKey(request, context) {
      const keys = adminRepository(context);
      if (request.keys.length === 0)
        throw GatewayError.invalidArgument("keys must name at least one key", "keys");
      const tokenIds = request.keys.map((key, index) => tokenIdFor(key, `keys[${index}]`));
      const deleted = await withStore("delete keys", () => keys.delete(tokenIds));
      await changed(deleted);
      return create(DeleteKeyResponseSchema, { deletedTokenIds: deleted });
    },
  };
}

/** "sk-" and 32 random bytes, base64url: 46 characters. */
export function newKeyValue(): string {
  return `sk-${randomBytes(KEY_BYTES).toString("base64url")}`;
}

/** A key named by its value ("sk-…") or its token id (64 hex digits): the token id. */
export function tokenIdFor(key: string, param: string): string {
  if (key.startsWith("sk-")) return tokenIdOf(key);
  if (TOKEN_ID_SYNTAX.test(key)) return key;
  throw GatewayError.invalidArgument(
    `${param} must be a key ("sk-…") or its token id (64 hex digits)${key === "" ? "; it is empty" : ""}`,
    param,
  );
}

/** The stored key as the API shows it: never a value. */
export function toMessage(key: VirtualKey): VirtualKeyMessage {
  return create(VirtualKeySchema, {
    tokenId: key.tokenId,
    keyName: key.keyName,
    keyAlias: key.keyAlias ?? "",
    models: [...key.models],
    maxBudget: key.maxBudget,
    budgetDuration: key.budgetDuration ?? "",
    budgetResetTime: key.budgetResetAt && timestampFromDate(key.budgetResetAt),
    spend: key.spend,
    rpmLimit: key.rpmLimit === undefined ? undefined : BigInt(key.rpmLimit),
    tpmLimit: key.tpmLimit === undefined ? undefined : BigInt(key.tpmLimit),
    maxParallelRequests: key.maxParallelRequests,
    expireTime: key.expiresAt && timestampFromDate(key.expiresAt),
    metadata: key.metadata as JsonObject,
    blocked: key.blocked,
    ...recordTimes(key),
  });
}

function checkBudget(maxBudget: number): number {
  if (!Number.isFinite(maxBudget) || maxBudget < 0) {
    throw GatewayError.invalidArgument("max_budget must be a number of US dollars, 0 or more", "max_budget");
  }
  return maxBudget;
}

function checkLimit(limit: bigint, param: string): number {
  if (limit <= 0n || limit > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw GatewayError.invalidArgument(`${param} must be a whole number greater than 0`, param);
  }
  return Number(limit);
}

/** What each clearable setting (LiteLLM's name) removes from the stored key. */
const CLEARS: Readonly<Record<string, readonly (keyof VirtualKeyPatch)[]>> = {
  key_alias: ["keyAlias"],
  max_budget: ["maxBudget"],
  budget_duration: ["budgetDuration", "budgetResetAt"],
  rpm_limit: ["rpmLimit"],
  tpm_limit: ["tpmLimit"],
  max_parallel_requests: ["maxParallelRequests"],
  duration: ["expiresAt"],
};

/** 0 is a limit too (LiteLLM accepts it): no call may run in parallel, so every call is refused. */
function checkParallel(limit: number): number {
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_INT32) {
    throw GatewayError.invalidArgument(
      "max_parallel_requests must be a whole number, 0 or more",
      "max_parallel_requests",
    );
  }
  return limit;
}
