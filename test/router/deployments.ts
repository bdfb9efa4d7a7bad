import type { ChatCompletion } from "../../gen/switchyard/v1/completion_pb.js";
import { mockProvider } from "../../src/providers/registry.js";
import type { Deployment } from "../../src/router/deployment.js";

/** A deployment for router unit tests; the router never calls its provider itself. */
export function deployment(
  id: string,
  options: {
    group?: string;
    weight?: number;
    rpm?: number;
    tpm?: number;
    order?: number;
    timeoutMs?: number;
  } = {},
): Deployment {
  const target = { deploymentId: id, model: id, params: {} };
  return {
    id,
    modelGroup: options.group ?? "group",
    providerName: "openai",
    provider: mockProvider,
    target: () => target,
    weight: options.weight ?? options.rpm ?? options.tpm ?? 1,
    timeoutMs: options.timeoutMs ?? 1000,
    streamTimeoutMs: options.timeoutMs ?? 1000,
    rpm: options.rpm,
    tpm: options.tpm,
    order: options.order,
  };
}

/** A draw sequence for injected randomness: repeats its last value. */
export function draws(...values: number[]): () => number {
  let index = 0;
  return () => values[Math.min(index++, values.length - 1)]!;
}

export type Answer = Pick<ChatCompletion, "usage">;
