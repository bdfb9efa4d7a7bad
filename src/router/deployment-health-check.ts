import { create } from "@bufbuild/protobuf";
import { Role } from "../../gen/switchyard/v1/chat_pb.js";
import {
  ChatCompletionRequestSchema,
  CreateEmbeddingsRequestSchema,
} from "../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { Deployment } from "./deployment.js";

/** What LiteLLM's active health check does per deployment: "chat" (default), or "embedding". */
export type HealthCheckMode = "chat" | "embedding";

export interface HealthCheckTarget {
  readonly deployment: Deployment;
  readonly mode: HealthCheckMode;
}

export interface HealthCheckResult {
  readonly deployment: Deployment;
  readonly healthy: boolean;
  /** Why it failed, as the upstream or the gateway said (never a secret: GatewayError messages are clean). */
  readonly error?: string;
  readonly latencyMs: number;
}

export interface HealthCheckOptions {
  /** Per deployment, ms (LiteLLM's health_check_timeout; default 60 s, capped by the deployment's own). */
  readonly timeoutMs: number;
  /** Deployments checked at once. */
  readonly concurrency: number;
  /** Ends every check still running (the caller left, or the gateway is stopping). */
  readonly signal?: AbortSignal;
}

/** The smallest real call: one token of chat, or one short embedding. */
const chatProbe = create(ChatCompletionRequestSchema, {
  model: "health-check",
  messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "ping" } }] }],
  maxTokens: 1,
});
const embeddingProbe = create(CreateEmbeddingsRequestSchema, {
  model: "health-check",
  inputs: [{ input: { case: "text", value: "ping" } }],
});

/**
 * Calls every deployment directly (no routing, retries or fallbacks: each answers for itself), at
 * most `concurrency` at a time, each under its own deadline. Never throws: a failure is a result.
 */
export async function checkDeployments(
  targets: readonly HealthCheckTarget[],
  options: HealthCheckOptions,
): Promise<HealthCheckResult[]> {
  const results: HealthCheckResult[] = new Array(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const index = next++;
      results[index] = await checkOne(targets[index]!, options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, targets.length) }, worker));
  return results;
}

async function checkOne(target: HealthCheckTarget, options: HealthCheckOptions): Promise<HealthCheckResult> {
  const { deployment } = target;
  const timeoutMs = Math.min(options.timeoutMs, deployment.timeoutMs);
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  const start = performance.now();
  const latency = () => Math.round(performance.now() - start);
  try {
    const call = { signal, timeoutMs };
    if (target.mode === "embedding") {
      if (!deployment.provider.embeddings) {
        throw GatewayError.invalidArgument(`${deployment.providerName} has no embeddings API`);
      }
      await deployment.provider.embeddings(embeddingProbe, deployment.target(), call);
    } else {
      await deployment.provider.chatCompletion(chatProbe, deployment.target(), call);
    }
    return { deployment, healthy: true, latencyMs: latency() };
  } catch (error) {
    // GatewayError.from keeps provider messages (already free of secrets) and hides anything else.
    const message = deadline.aborted
      ? `no answer within ${timeoutMs} ms`
      : GatewayError.from(error).rawMessage;
    return { deployment, healthy: false, error: message, latencyMs: latency() };
  }
}
