import { Code } from "@connectrpc/connect";
import { GatewayError } from "../errors/gateway-error.js";
import type { Deployment } from "./deployment.js";

/** Every deployment that answers to one model_name, arranged for routing once at start. */
export interface ModelGroup {
  readonly name: string;
  /** In configuration order. */
  readonly deployments: readonly Deployment[];
  readonly ids: readonly string[];
  /**
   * Deployments by `order`, lowest first; those without an order form the
   * last tier. A tier is used only when no deployment of an earlier one can
   * take the call (LiteLLM's litellm_params.order).
   */
  readonly tiers: readonly (readonly Deployment[])[];
  /** Whether any deployment has an rpm or tpm limit. */
  readonly hasRequestLimit: boolean;
  readonly hasTokenLimit: boolean;
  /** The longest `timeout` of its deployments, ms: the time retries in the group may take in all. */
  readonly timeoutMs: number;
  /** The longest `stream_timeout`, ms: the time retries of a stream may take to open it. */
  readonly streamTimeoutMs: number;
}

/** The model groups of model_list, built once at start. */
export class ModelRouter {
  readonly #groups = new Map<string, ModelGroup>();

  constructor(deployments: readonly Deployment[]) {
    const byName = new Map<string, Deployment[]>();
    for (const deployment of deployments) {
      const list = byName.get(deployment.modelGroup) ?? [];
      list.push(deployment);
      byName.set(deployment.modelGroup, list);
    }
    for (const [name, list] of byName) {
      this.#groups.set(name, {
        name,
        deployments: list,
        ids: list.map((deployment) => deployment.id),
        tiers: tiersOf(list),
        hasRequestLimit: list.some((deployment) => deployment.rpm !== undefined),
        hasTokenLimit: list.some((deployment) => deployment.tpm !== undefined),
        timeoutMs: Math.max(...list.map((deployment) => deployment.timeoutMs)),
        streamTimeoutMs: Math.max(...list.map((deployment) => deployment.streamTimeoutMs)),
      });
    }
  }

  /** Groups in configuration order. */
  get groups(): IterableIterator<ModelGroup> {
    return this.#groups.values();
  }

  group(name: string): ModelGroup | undefined {
    return this.#groups.get(name);
  }

  /** The group, or 404 model_not_found. */
  require(name: string): ModelGroup {
    const group = this.#groups.get(name);
    if (!group) throw modelNotFound(name);
    return group;
  }
}

function tiersOf(deployments: readonly Deployment[]): Deployment[][] {
  const orders = [...new Set(deployments.map((deployment) => deployment.order ?? Number.POSITIVE_INFINITY))];
  orders.sort((a, b) => a - b);
  return orders.map((order) =>
    deployments.filter((deployment) => (deployment.order ?? Number.POSITIVE_INFINITY) === order),
  );
}

/**
 * OpenAI answers an unknown model with 404 `model_not_found`; we do the same
 * (LiteLLM answers 400), so the OpenAI SDK raises NotFoundError.
 */
export function modelNotFound(name: string): GatewayError {
  return new GatewayError({
    code: Code.NotFound,
    message: `The model \`${echoedName(name)}\` does not exist or you do not have access to it.`,
    param: "model",
    errorCode: "model_not_found",
  });
}

/** Characters of a caller's model name an error repeats: enough to recognise it, never a megabyte. */
const ECHOED_NAME_CHARS = 64;

/** A caller-chosen name as errors repeat it: its start, marked when cut. */
export function echoedName(name: string): string {
  return name.length <= ECHOED_NAME_CHARS ? name : `${name.slice(0, ECHOED_NAME_CHARS)}…`;
}
