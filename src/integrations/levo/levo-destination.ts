import { General } from "../otel/gen-ai-attributes.js";
import { isHttpUrl, tracesEndpoint } from "../otel/otlp-endpoint.js";
import { type Findings, resourceFromEnv } from "../otel/otlp-env.js";
import type { TraceDestination } from "../otel/trace-destination.js";

/** Every variable the `levo` callback needs, in the order LiteLLM checks them. */
const REQUIRED = ["LEVOAI_API_KEY", "LEVOAI_ORG_ID", "LEVOAI_WORKSPACE_ID", "LEVOAI_COLLECTOR_URL"] as const;

/**
 * The `levo` callback's destination, as LiteLLM's Levo integration builds
 * it: spans over OTLP/HTTP to LEVOAI_COLLECTOR_URL (its traces path added as
 * LiteLLM's OpenTelemetry logger adds it: `{collector}/v1/traces` unless the
 * URL already ends with it), with `Authorization: Bearer <LEVOAI_API_KEY>`,
 * `x-levo-organization-id` and `x-levo-workspace-id`. LEVOAI_ENV_NAME, when
 * set, becomes the resource's deployment environment. A missing variable is
 * a problem naming it; problems never hold the values.
 */
export function levoDestination(env: NodeJS.ProcessEnv, findings: Findings): TraceDestination | undefined {
  const missing = REQUIRED.filter((name) => !env[name]?.trim());
  if (missing.length > 0) {
    findings.problems.push(
      `litellm_settings.callbacks: "levo" needs ${missing.join(", ")} (set in the environment or environment_variables)`,
    );
    return undefined;
  }
  const collector = env.LEVOAI_COLLECTOR_URL!.trim();
  if (!isHttpUrl(collector)) {
    findings.problems.push(
      `litellm_settings.callbacks: "levo" needs LEVOAI_COLLECTOR_URL to be an http(s) URL`,
    );
    return undefined;
  }
  const environment = env.LEVOAI_ENV_NAME?.trim();
  return {
    name: "levo",
    url: tracesEndpoint(collector),
    headers: {
      authorization: `Bearer ${env.LEVOAI_API_KEY!.trim()}`,
      "x-levo-organization-id": env.LEVOAI_ORG_ID!.trim(),
      "x-levo-workspace-id": env.LEVOAI_WORKSPACE_ID!.trim(),
    },
    resource: {
      ...resourceFromEnv(env, findings),
      ...(environment && {
        [General.deploymentEnvironmentName]: environment,
        [General.deploymentEnvironment]: environment,
      }),
    },
  };
}
