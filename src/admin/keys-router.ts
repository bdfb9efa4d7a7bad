import { create, type JsonObject } from "@bufbuild/protobuf";
import {
  BlockKeyRequestSchema,
  DeleteKeyRequestSchema,
  GenerateKeyRequestSchema,
  GetKeyRequestSchema,
  KeyService,
  ListKeysRequestSchema,
  RegenerateKeyRequestSchema,
  UnblockKeyRequestSchema,
  UpdateKeyRequestSchema,
  type VirtualKey as VirtualKeyMessage,
} from "../../gen/switchyard/v1/key_pb.js";
import type { KeyHandlers } from "../services/key-service.js";
import {
  anyText,
  count,
  finiteNumber,
  flag,
  jsonObject,
  object,
  optional,
  text,
  textList,
} from "./input-schema.js";
import { callService } from "./service-call.js";
import { adminProcedure, adminRouter } from "./trpc.js";
import { isoOf } from "./view-times.js";

/** A virtual key's settings and spend: never its value. Times are ISO 8601. */
export interface KeyView {
  readonly tokenId: string;
  /** "sk-...abcd". */
  readonly keyName: string;
  readonly keyAlias: string;
  /** Model groups it may call; empty: all. */
  readonly models: string[];
  readonly maxBudget?: number;
  readonly budgetDuration: string;
  readonly budgetResetAt?: string;
  readonly spend: number;
  readonly rpmLimit?: number;
  readonly tpmLimit?: number;
  readonly maxParallelRequests?: number;
  readonly expiresAt?: string;
  readonly metadata: JsonObject;
  readonly blocked: boolean;
  readonly createdAt?: string;
  readonly updatedAt?: string;
}

/** A key's value, shown this once, with its settings. */
export interface NewKey {
  readonly key: string;
  readonly info: KeyView;
}

const method = KeyService.method;

/** Settings a key is created or updated with; durations as "30d", "1h". */
const settings = {
  keyAlias: optional(anyText),
  models: optional(textList),
  maxBudget: optional(finiteNumber),
  budgetDuration: optional(text),
  rpmLimit: optional(count),
  tpmLimit: optional(count),
  maxParallelRequests: optional(count),
  duration: optional(text),
  metadata: optional(jsonObject),
  blocked: optional(flag),
};

/** One key, named by its value ("sk-…") or token id. */
const oneKey = object({ key: text });

/** KeyService through tRPC: the same object as over Connect and LiteLLM's /key routes. */
export function keysRouter(keys: KeyHandlers) {
  return adminRouter({
    list: adminProcedure
      .input(object({ keyAlias: optional(text) }))
      .query(async ({ ctx, input }): Promise<KeyView[]> => {
        const request = create(ListKeysRequestSchema, { keyAlias: input.keyAlias });
        const response = await callService(ctx, method.listKeys, (context) =>
          keys.listKeys(request, context),
        );
        return response.keys.map(keyView);
      }),

    info: adminProcedure.input(oneKey).query(async ({ ctx, input }): Promise<KeyView> => {
      const request = create(GetKeyRequestSchema, { key: input.key });
      const response = await callService(ctx, method.getKey, (context) => keys.getKey(request, context));
      return keyView(response.info!);
    }),

    generate: adminProcedure
      .input(object({ ...settings, key: optional(text) }))
      .mutation(async ({ ctx, input }): Promise<NewKey> => {
        const request = create(GenerateKeyRequestSchema, {
          ...input,
          rpmLimit: bigintOf(input.rpmLimit),
          tpmLimit: bigintOf(input.tpmLimit),
        });
        const response = await callService(ctx, method.generateKey, (context) =>
          keys.generateKey(request, context),
        );
        return { key: response.key, info: keyView(response.info!) };
      }),

    update: adminProcedure
      .input(object({ key: text, ...settings }))
      .mutation(async ({ ctx, input }): Promise<KeyView> => {
        const request = create(UpdateKeyRequestSchema, {
          ...input,
          models: input.models && { models: input.models },
          rpmLimit: bigintOf(input.rpmLimit),
          tpmLimit: bigintOf(input.tpmLimit),
        });
        const response = await callService(ctx, method.updateKey, (context) =>
          keys.updateKey(request, context),
        );
        return keyView(response.info!);
      }),

    /** A new value for the key, settings and spend kept; the old value stops working at once. */
    regenerate: adminProcedure.input(oneKey).mutation(async ({ ctx, input }): Promise<NewKey> => {
      const request = create(RegenerateKeyRequestSchema, { key: input.key });
      const response = await callService(ctx, method.regenerateKey, (context) =>
        keys.regenerateKey(request, context),
      );
      return { key: response.key, info: keyView(response.info!) };
    }),

    block: adminProcedure.input(oneKey).mutation(async ({ ctx, input }): Promise<KeyView> => {
      const request = create(BlockKeyRequestSchema, { key: input.key });
      const response = await callService(ctx, method.blockKey, (context) => keys.blockKey(request, context));
      return keyView(response.info!);
    }),

    unblock: adminProcedure.input(oneKey).mutation(async ({ ctx, input }): Promise<KeyView> => {
      const request = create(UnblockKeyRequestSchema, { key: input.key });
      const response = await callService(ctx, method.unblockKey, (context) =>
        keys.unblockKey(request, context),
      );
      return keyView(response.info!);
    }),

    delete: adminProcedure
      .input(object({ keys: textList }))
      .mutation(async ({ ctx, input }): Promise<{ deletedTokenIds: string[] }> => {
        const request = create(DeleteKeyRequestSchema, { keys: input.keys });
        const response = await callService(ctx, method.deleteKey, (context) =>
          keys.deleteKey(request, context),
        );
        return { deletedTokenIds: response.deletedTokenIds };
      }),
  });
}

export function keyView(key: VirtualKeyMessage): KeyView {
  return {
    tokenId: key.tokenId,
    keyName: key.keyName,
    keyAlias: key.keyAlias,
    models: key.models,
    maxBudget: key.maxBudget,
    budgetDuration: key.budgetDuration,
    budgetResetAt: isoOf(key.budgetResetTime),
    spend: key.spend,
    rpmLimit: numberOf(key.rpmLimit),
    tpmLimit: numberOf(key.tpmLimit),
    maxParallelRequests: key.maxParallelRequests,
    expiresAt: isoOf(key.expireTime),
    metadata: key.metadata ?? {},
    blocked: key.blocked,
    createdAt: isoOf(key.createTime),
    updatedAt: isoOf(key.updateTime),
  };
}

function numberOf(value: bigint | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

function bigintOf(value: number | undefined): bigint | undefined {
  return value === undefined ? undefined : BigInt(value);
}
