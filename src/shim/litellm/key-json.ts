import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import { type Timestamp, timestampDate } from "@bufbuild/protobuf/wkt";
import type {
  GenerateKeyRequest,
  GenerateKeyRequestSchema,
  UpdateKeyRequestSchema,
  VirtualKey,
} from "../../../gen/switchyard/v1/key_pb.js";
import { GatewayError } from "../../errors/gateway-error.js";
import { isJsonObject } from "../../wire/openai/json-object.js";
import {
  optionalBoolean,
  optionalInteger,
  optionalNumber,
  optionalObject,
  optionalString,
  optionalStrings,
} from "./body-fields.js";

/**
 * LiteLLM's key JSON (BerriAI/litellm proxy/_types.py GenerateKeyRequest,
 * UpdateKeyRequest, GenerateKeyResponse, LiteLLM_VerificationToken) ⇄ the
 * KeyService's messages. `null` means "not given" on /key/generate, and
 * "remove this limit" on /key/update, as in LiteLLM. `guardrails` is kept,
 * as LiteLLM keeps it, in the key's `metadata.guardrails` (the guardrails its
 * calls run, src/guardrails/). Fields
 * for things Switchyard has no notion of (user_id, team_id, tags, aliases,
 * config, permissions, soft_budget, …) are ignored; per-model
 * limits are refused rather than ignored, since a caller relying on them
 * would get a key less limited than asked.
 */

/** The settings GenerateKey and UpdateKey share, decoded for the message. */
type KeySettings = Partial<
  Pick<
    GenerateKeyRequest,
    "keyAlias" | "maxBudget" | "rpmLimit" | "tpmLimit" | "maxParallelRequests" | "metadata"
  >
> & {
  models?: string[];
  budgetDuration?: string;
  duration?: string;
  blocked?: boolean;
};

const UNSUPPORTED = ["model_max_budget", "model_rpm_limit", "model_tpm_limit"] as const;

/** Settings that `null` in /key/update removes (LiteLLM writes the null through), rather than leaves alone. */
const CLEARABLE_FIELDS = [
  "key_alias",
  "max_budget",
  "budget_duration",
  "rpm_limit",
  "tpm_limit",
  "max_parallel_requests",
  "duration",
] as const;

/** What UpdateKey takes besides the key; /key/regenerate applies these before regenerating. */
export const SETTING_FIELDS = [...CLEARABLE_FIELDS, "models", "metadata", "guardrails", "blocked"] as const;

/** /key/generate's body, for GenerateKeyRequest. */
export function generateRequestOf(
  body: Record<string, unknown>,
): MessageInitShape<typeof GenerateKeyRequestSchema> {
  const spend = body.spend;
  if (spend !== undefined && spend !== null && spend !== 0) {
    throw GatewayError.invalidArgument("spend cannot be set: a new key starts at 0", "spend");
  }
  const settings = settingsOf(body);
  const key = optionalString(body, "key");
  return {
    ...settings,
    models: settings.models ?? [],
    ...(key !== undefined && { key }),
  };
}

/** /key/update's body (and /key/regenerate's settings), for UpdateKeyRequest. */
export function updateRequestOf(
  body: Record<string, unknown>,
  key: string,
): MessageInitShape<typeof UpdateKeyRequestSchema> {
  if (body.spend !== undefined && body.spend !== null) {
    throw GatewayError.invalidArgument("spend cannot be set; it resets with budget_duration", "spend");
  }
  const { models, ...settings } = settingsOf(body);
  const clearFields = CLEARABLE_FIELDS.filter((field) => field in body && body[field] === null);
  return {
    key,
    ...settings,
    ...(models !== undefined && { models: { models } }),
    ...(clearFields.length > 0 && { clearFields }),
  };
}

/** Whether the body changes any setting (so /key/regenerate must update before regenerating). */
export function hasSettings(body: Record<string, unknown>): boolean {
  return SETTING_FIELDS.some(
    (field) =>
      (body[field] !== undefined && body[field] !== null) ||
      (body[field] === null && (CLEARABLE_FIELDS as readonly string[]).includes(field)),
  );
}

/** A stored key as LiteLLM's LiteLLM_VerificationToken: `token` is the token id, never the value. */
export function keyObject(key: VirtualKey) {
  return {
    token: key.tokenId,
    key_name: key.keyName,
    key_alias: key.keyAlias || null,
    spend: key.spend,
    max_budget: key.maxBudget ?? null,
    expires: isoOrNull(key.expireTime),
    models: key.models,
    max_parallel_requests: key.maxParallelRequests ?? null,
    tpm_limit: numberOrNull(key.tpmLimit),
    rpm_limit: numberOrNull(key.rpmLimit),
    budget_duration: key.budgetDuration || null,
    budget_reset_at: isoOrNull(key.budgetResetTime),
    metadata: key.metadata ?? {},
    blocked: key.blocked,
    created_at: isoOrNull(key.createTime),
    updated_at: isoOrNull(key.updateTime),
  };
}

/** LiteLLM's GenerateKeyResponse: the value (shown this once) and the key's settings. */
export function generatedKeyObject(value: string, key: VirtualKey) {
  const { token, ...settings } = keyObject(key);
  return { key: value, token, token_id: token, ...settings };
}

function settingsOf(body: Record<string, unknown>): KeySettings {
  for (const field of UNSUPPORTED) {
    const value = body[field];
    if (value !== undefined && value !== null && !(isJsonObject(value) && Object.keys(value).length === 0)) {
      throw GatewayError.invalidArgument(
        `${field} is not supported: limit a key with models, max_budget, rpm_limit and tpm_limit`,
        field,
      );
    }
  }
  const settings: KeySettings = {};
  const keyAlias = optionalString(body, "key_alias");
  if (keyAlias !== undefined) settings.keyAlias = keyAlias;
  const models = optionalStrings(body, "models");
  if (models !== undefined) settings.models = models;
  const maxBudget = optionalNumber(body, "max_budget");
  if (maxBudget !== undefined) settings.maxBudget = maxBudget;
  const budgetDuration = optionalString(body, "budget_duration");
  if (budgetDuration !== undefined) settings.budgetDuration = budgetDuration;
  const rpmLimit = optionalInteger(body, "rpm_limit");
  if (rpmLimit !== undefined) settings.rpmLimit = BigInt(rpmLimit);
  const tpmLimit = optionalInteger(body, "tpm_limit");
  if (tpmLimit !== undefined) settings.tpmLimit = BigInt(tpmLimit);
  const maxParallelRequests = optionalInteger(body, "max_parallel_requests");
  if (maxParallelRequests !== undefined) settings.maxParallelRequests = maxParallelRequests;
  const duration = optionalString(body, "duration");
  if (duration !== undefined) settings.duration = duration;
  const metadata = optionalObject(body, "metadata");
  if (metadata !== undefined) settings.metadata = metadata as JsonObject;
  const guardrails = optionalStrings(body, "guardrails");
  if (guardrails !== undefined) settings.metadata = { ...settings.metadata, guardrails };
  const blocked = optionalBoolean(body, "blocked");
  if (blocked !== undefined) settings.blocked = blocked;
  return settings;
}

function isoOrNull(timestamp: Timestamp | undefined): string | null {
  return timestamp ? timestampDate(timestamp).toISOString() : null;
}

function numberOrNull(value: bigint | undefined): number | null {
  return value === undefined ? null : Number(value);
}
