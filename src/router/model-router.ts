import { Code } from "@connectrpc/connect";
import { GatewayError } from "../errors/gateway-error.js";
import type { Deployment } from "./deployment.js";

/** Every deployment that answers to one model_name. */
export interface ModelGroup {
  readonly name: string;
  readonly deployments: readonly Deployment[];
  readonly totalWeight: number;
}

/**
 * Picks a deployment for a model group. Groups are built once at start;
 * picking is a weighted random draw (LiteLLM's simple-shuffle).
 */
export class ModelRouter {
  readonly #groups = new Map<string, ModelGroup>();
  readonly #random: () => number;

  constructor(deployments: readonly Deployment[], random: () => number = Math.random) {
    this.#random = random;
    const byName = new Map<string, Deployment[]>();
    for (const deployment of deployments) {
      const list = byName.get(deployment.modelGroup) ?? [];
      list.push(deployment);
      byName.set(deployment.modelGroup, list);
    }
    for (const [name, list] of byName) {
      const totalWeight = list.reduce((sum, deployment) => sum + deployment.weight, 0);
      this.#groups.set(name, { name, deployments: list, totalWeight });
    }
  }

  /** Groups in configuration order. */
  get groups(): IterableIterator<ModelGroup> {
    return this.#groups.values();
  }

  group(name: string): ModelGroup | undefined {
    return this.#groups.get(name);
  }

  pick(name: string): Deployment {
    const group = this.#groups.get(name);
    if (!group) throw modelNotFound(name);
    const deployments = group.deployments;
    if (deployments.length === 1) return deployments[0]!;
    let draw = this.#random() * group.totalWeight;
    for (const deployment of deployments) {
      draw -= deployment.weight;
      if (draw < 0) return deployment;
    }
    return deployments[deployments.length - 1]!;
  }
}

/**
 * OpenAI answers an unknown model with 404 `model_not_found`; we do the same
 * (LiteLLM answers 400), so the OpenAI SDK raises NotFoundError.
 */
export function modelNotFound(name: string): GatewayError {
  return new GatewayError({
    code: Code.NotFound,
    message: `The model \`${name}\` does not exist or you do not have access to it.`,
    param: "model",
    errorCode: "model_not_found",
  });
}
