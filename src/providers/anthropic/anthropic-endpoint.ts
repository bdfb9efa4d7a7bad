import { stringMap } from "../openai/openai-headers.js";
import { perTarget } from "../per-target.js";
import type { UpstreamTarget } from "../provider.js";

export const ANTHROPIC_API_BASE = "https://api.anthropic.com";

/**
 * The API version sent when the deployment sets no `api_version`.
 * 2023-06-01 is what every Anthropic-compatible server accepts, and it
 * still takes `temperature`/`top_p` (2026-10-21 rejects them).
 */
export const DEFAULT_ANTHROPIC_VERSION = "2023-06-01";

/** The first version that rejects sampling parameters (protocols.md §6.5). */
const SAMPLING_REMOVED_IN = "2026-10-21";

/** Where and how one deployment reaches Anthropic; computed once per deployment. */
export interface AnthropicEndpoint {
  /** `<api_base>/v1/messages`. */
  readonly messagesUrl: string;
  readonly headers: Record<string, string>;
  /** Whether `temperature` and `top_p` may be sent under this API version. */
  readonly samplingParameters: boolean;
}

/**
 * Resolves each deployment's endpoint once (cached per target; targets are
 * immutable after start). `api_base` is the host root, as in Anthropic's SDK
 * ("https://api.anthropic.com"); a trailing `/v1` is tolerated (LiteLLM
 * configs often carry one). Deployments without `api_key`/`api_base` use
 * ANTHROPIC_API_KEY and ANTHROPIC_API_BASE (LiteLLM's name) or
 * ANTHROPIC_BASE_URL (the SDK's) from `env`, read here once. Headers:
 * `x-api-key`, `anthropic-version` (`api_version`, else 2023-06-01),
 * `anthropic-beta` from the deployment's `anthropic_beta` when set, then
 * `extra_headers`.
 */
export function createAnthropicEndpoints(
  env: NodeJS.ProcessEnv,
): (target: UpstreamTarget) => AnthropicEndpoint {
  const environmentKey = env.ANTHROPIC_API_KEY || undefined;
  const environmentBase =
    (env.ANTHROPIC_API_BASE || env.ANTHROPIC_BASE_URL || "").replace(/\/+$/, "") || undefined;
  return perTarget((target) =>
    resolve(target, target.apiKey ?? environmentKey, target.apiBase ?? environmentBase),
  );
}

function resolve(
  target: UpstreamTarget,
  apiKey: string | undefined,
  apiBase: string | undefined,
): AnthropicEndpoint {
  let base = apiBase ?? ANTHROPIC_API_BASE;
  if (base.endsWith("/v1")) base = base.slice(0, -3);
  const version = target.apiVersion ?? DEFAULT_ANTHROPIC_VERSION;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json",
    "anthropic-version": version,
  };
  if (apiKey) headers["x-api-key"] = apiKey;
  const beta = target.params.anthropic_beta;
  if (typeof beta === "string") headers["anthropic-beta"] = beta;
  Object.assign(headers, stringMap(target.params.extra_headers));
  return {
    messagesUrl: `${base}/v1/messages`,
    headers,
    // ISO dates compare correctly as strings.
    samplingParameters: version < SAMPLING_REMOVED_IN,
  };
}
