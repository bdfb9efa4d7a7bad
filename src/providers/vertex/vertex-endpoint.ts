import { Code } from "@connectrpc/connect";
import { GatewayError } from "../../errors/gateway-error.js";
import type { UpstreamTarget } from "../provider.js";

/** LiteLLM's default region when neither the deployment nor the environment names one. */
export const VERTEX_DEFAULT_LOCATION = "us-central1";

/** Who publishes a model on Vertex AI: Google's Gemini family, or Anthropic's Claude. */
export type VertexPublisher = "google" | "anthropic";

/** The environment variables a deployment falls back on, read once at start. */
export interface VertexEnvironment {
  readonly project: string | undefined;
  readonly location: string | undefined;
}

export function vertexEnvironment(env: NodeJS.ProcessEnv): VertexEnvironment {
  return {
    project: env.VERTEXAI_PROJECT || undefined,
    location: env.VERTEXAI_LOCATION || undefined,
  };
}

export function vertexPublisher(model: string): VertexPublisher {
  return model.startsWith("claude") ? "anthropic" : "google";
}

/**
 * The URL of one deployment's model, without the `:<method>` suffix:
 *
 *   https://{location}-aiplatform.googleapis.com/v1/projects/{project}/locations/{location}/publishers/{publisher}/models/{model}
 *
 * with `https://aiplatform.googleapis.com` for location `global`. Project:
 * `vertex_project` (or LiteLLM's older `vertex_ai_project`), else
 * VERTEXAI_PROJECT, else the service-account key's `project_id`. Location:
 * `vertex_location` (`vertex_ai_location`), else VERTEXAI_LOCATION, else
 * us-central1. An `api_base` replaces the host; one that already holds a
 * `/projects/` path is a proxy's full model URL, used as it is (LiteLLM's
 * `{api_base}:{method}`).
 */
export function vertexModelUrl(
  target: UpstreamTarget,
  environment: VertexEnvironment,
  keyProject: string | undefined,
): string {
  const apiBase = target.apiBase;
  if (apiBase?.includes("/projects/")) return apiBase;
  const project =
    stringParam(target, "vertex_project", "vertex_ai_project") ?? environment.project ?? keyProject;
  if (project === undefined) {
    throw new GatewayError({
      code: Code.FailedPrecondition,
      message: `deployment ${target.deploymentId}: vertex_ai needs litellm_params.vertex_project or VERTEXAI_PROJECT`,
      httpStatus: 500,
    });
  }
  const location =
    stringParam(target, "vertex_location", "vertex_ai_location") ??
    environment.location ??
    VERTEX_DEFAULT_LOCATION;
  const host =
    apiBase ??
    (location === "global"
      ? "https://aiplatform.googleapis.com"
      : `https://${location}-aiplatform.googleapis.com`);
  const publisher = vertexPublisher(target.model);
  return (
    `${host}/v1/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}` +
    `/publishers/${publisher}/models/${modelSegment(target.model)}`
  );
}

/** Model ids as Vertex spells them keep their `@version` (a valid path character). */
function modelSegment(model: string): string {
  return encodeURIComponent(model).replaceAll("%40", "@");
}

function stringParam(target: UpstreamTarget, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = target.params[name];
    if (typeof value === "string" && value !== "") return value;
  }
  return undefined;
}
