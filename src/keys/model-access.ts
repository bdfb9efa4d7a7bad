import { Code } from "@connectrpc/connect";
import { AGENT_MODEL_PREFIX } from "../a2a/agent-model.js";
import { GatewayError } from "../errors/gateway-error.js";
import { isModelPattern, modelPattern } from "../router/model-pattern.js";
import type { VirtualKey } from "./virtual-key.js";

/** Entries of a key's `models` that mean every model, as LiteLLM reads them. */
const ALL_MODELS: ReadonlySet<string> = new Set(["*", "all-proxy-models"]);

/** Whether the key may use every model group and agent: `models` empty, or holding "*" / "all-proxy-models". */
export function mayUseAllModels(key: VirtualKey): boolean {
  const models = key.models;
  if (models.length === 0) return true;
  for (const model of models) if (ALL_MODELS.has(model)) return true;
  return false;
}

/**
 * Whether the key may call the model (or `a2a/<agent>` model) by this name:
 * its models name it, or hold a wildcard matching it (`openai/*`,
 * `bedrock/*`), or name one of the access groups (model_info.access_groups)
 * of the group serving it, as LiteLLM reads a key's models.
 */
export function mayUseModel(key: VirtualKey, model: string, accessGroups?: ReadonlySet<string>): boolean {
  if (mayUseAllModels(key) || key.models.includes(model)) return true;
  for (const allowed of key.models) {
    if (isModelPattern(allowed) && modelPattern(allowed).match(model) !== undefined) return true;
    if (accessGroups?.has(allowed)) return true;
  }
  return false;
}

/** Whether the key may use the agent, at any door: its models hold `a2a/<agent_name>` or grant everything. */
export function mayUseAgent(key: VirtualKey, agentName: string): boolean {
  return mayUseModel(key, AGENT_MODEL_PREFIX + agentName);
}

/** How errors name a key: its alias, else its abbreviated value; never the value itself. */
export function keyLabel(key: VirtualKey): string {
  return key.keyAlias ? `key alias "${key.keyAlias}"` : `key ${key.keyName}`;
}

/** Longest requested model name an error repeats: a caller may send anything there. */
const MAX_ECHOED_MODEL = 256;

/**
 * A model group the key may not call, in LiteLLM's words and shape (auth_checks.py): REST 401 with
 * type `key_model_access_denied` and code "401"; Connect/gRPC PERMISSION_DENIED with the same message.
 */
export function modelAccessDenied(key: VirtualKey, model: string): GatewayError {
  const allowed = key.models.map((name) => `'${name}'`).join(", ");
  const tried = model.length > MAX_ECHOED_MODEL ? `${model.slice(0, MAX_ECHOED_MODEL)}…` : model;
  return new GatewayError({
    code: Code.PermissionDenied,
    httpStatus: 401,
    type: "key_model_access_denied",
    message: `key not allowed to access model. This key can only access models=[${allowed}]. Tried to access ${tried}`,
    param: "model",
    errorCode: "401",
  });
}

/** 403 / PERMISSION_DENIED for an agent the key may not use. */
export function agentAccessDenied(key: VirtualKey, agentName: string): GatewayError {
  return new GatewayError({
    code: Code.PermissionDenied,
    message:
      `This API key (${keyLabel(key)}) is not allowed to use agent \`${agentName}\`: ` +
      `its models must include \`${AGENT_MODEL_PREFIX}${agentName}\`.`,
    errorCode: "key_agent_access_denied",
  });
}
