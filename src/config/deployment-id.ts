import { createHash } from "node:crypto";
import { isMapping, isSecretKey } from "./config-tree.js";

/**
 * The id of a deployment without `model_info.id`: the first 16 hex chars of a
 * sha256 over the canonical JSON (sorted keys) of its model_name and resolved
 * litellm_params, with secret-looking keys left out at every depth. Every
 * replica with the same file and environment derives the same id, and
 * rotating an api_key keeps it.
 */
export function deploymentHash(modelName: string, litellmParams: Record<string, unknown>): string {
  const canonical = JSON.stringify(canonicalize({ model_name: modelName, litellm_params: litellmParams }));
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}

function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (!isMapping(value)) return value;
  const keys = Object.keys(value)
    .filter((key) => value[key] !== undefined && !isSecretKey(key))
    .sort();
  return Object.fromEntries(keys.map((key) => [key, canonicalize(value[key])]));
}
