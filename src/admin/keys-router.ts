import type { JsonObject } from "@bufbuild/protobuf";
import { KeyService, type VirtualKey as VirtualKeyMessage } from "../../gen/switchyard/v1/key_pb.js";
import { handlerCalls } from "../services/handler-calls.js";
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
  const rpc = handlerCalls(KeyService, keys);
  return adminRouter({
    list: adminProcedure
      .input(object({ keyAlias: optional(text) }))
      .query(async ({ ctx, input }): Promise<KeyView[]> => {
        const response = await callService(ctx, rpc("listKeys", { keyAlias: input.keyAlias }));
        return response.keys.map(keyView);
      }),

    info: adminProcedure.input(oneKey).query(async ({ ctx, input }): Promise<KeyView> => {
      const response = await callService(ctx, rpc("getKey", { key: input.key }));
      return keyView(response.info!);
    }),

    generate: adminProcedure
      .input(object({ ...settings, key: optional(text) }))
      .mutation(async ({ ctx, input }): Promise<NewKey> => {
        const response = await callService(
          ctx,
          rpc("generateKey", {
            ...input,
            rpmLimit: bigintOf(input.rpmLimit),
            tpmLimit: bigintOf(input.tpmLimit),
          }),
        );
        return { key: response.key, info: keyView(response.info!) };
      }),

    update: adminProcedure
      .input(object({ key: text, ...settings }))
      .mutation(async ({ ctx, input }): Promise<KeyView> => {
        const response = await callService(
          ctx,
          rpc("updateKey", {
            ...input,
            models: input.models && { models: input.models },
            rpmLimit: bigintOf(input.rpmLimit),
            tpmLimit: bigintOf(input.tpmLimit),
          }),
        );
        return keyView(response.info!);
      }),

    /** A new value for the key, settings and spend kept; the old value stops working at once. */
    regenerate: adminProcedure.input(oneKey).mutation(async ({ ctx, input }): Promise<NewKey> => {
      const response = await callService(ctx, rpc("regenerateKey", { key: input.key }));
      return { key: response.key, info: keyView(response.info!) };
    }),

    block: adminProcedure.input(oneKey).mutation(async ({ ctx, input }): Promise<KeyView> => {
      const response = await callService(ctx, rpc("blockKey", { key: input.key }));
      return keyView(response.info!);
    }),

    unblock: adminProcedure.input(oneKey).mutation(async ({ ctx, input }): Promise<KeyView> => {
      const response = await callService(ctx, rpc("unblockKey", { key: input.key }));
      return keyView(response.info!);
    }),

    delete: adminProcedure
      .input(object({ keys: textList }))
      .mutation(async ({ ctx, input }): Promise<{ deletedTokenIds: string[] }> => {
        const response = await callService(ctx, rpc("deleteKey", { keys: input.keys }));
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
