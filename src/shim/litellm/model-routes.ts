import { Code } from "@connectrpc/connect";
import type { Principal } from "../../auth/authenticator.js";
import type { DeploymentConfig } from "../../config/config-types.js";
import { GatewayError } from "../../errors/gateway-error.js";
import { doorRoute, type Endpoint } from "../../http/door-kit/door.js";
import { sendJson } from "../../http/door-kit/json-answer.js";
import { type DoorDeps, openAIDoor } from "../../http/door-kit/openai-door.js";
import { queryOf } from "../../http/door-kit/request-parts.js";
import type { Route } from "../../http/route-table.js";
import { mayUseModel } from "../../keys/model-access.js";
import { publicParams } from "../../models/public-params.js";
import type { ModelEntry } from "../../models/served-models.js";
import type { Deployment } from "../../router/deployment.js";
import {
  checkDeployments,
  type HealthCheckMode,
  type HealthCheckResult,
  type HealthCheckTarget,
} from "../../router/deployment-health-check.js";
import { isAdmin } from "../../services/admin-guards.js";
import { modelGroupEntry, modelInfoEntry } from "./model-info.js";

export interface ModelRoutesDeps extends DoorDeps {
  /** Every served deployment now: config ones, then stored ones. */
  readonly entries: () => readonly ModelEntry[];
  /** `general_settings.health_check_timeout`-style bound per deployment, ms (default 60 s, LiteLLM's). */
  readonly healthCheckTimeoutMs?: number;
  /** Ends health checks still running when the gateway stops. */
  readonly shutdownSignal?: AbortSignal;
  /** With `background_health_checks`, GET /health answers from the loop's latest run (as LiteLLM). */
  readonly backgroundHealth?: { readonly latest: readonly HealthCheckResult[] | undefined };
}

/** Deployments checked at once by GET /health: enough for speed, few enough not to burst upstream limits. */
export const HEALTH_CHECK_CONCURRENCY = 8;
export const DEFAULT_HEALTH_CHECK_TIMEOUT_MS = 60_000;

/**
 * LiteLLM's model and health routes: `GET /model/info` (also `/v1/model/info`, `/v2/model/info`,
 * `?litellm_model_id=` for one deployment), `GET /model_group/info` (`?model_group=`), and
 * `GET /health` (`?model=` for one group), which calls every deployment for real and answers
 * `{healthy_endpoints, unhealthy_endpoints, healthy_count, unhealthy_count}`.
 * A virtual key sees only the models it may call; /health needs the master key or an admin key.
 */
export function modelRoutes(deps: ModelRoutesDeps): Route[] {
  const door = openAIDoor(deps);

  const visibleTo = (principal: Principal) =>
    principal.kind === "virtual_key"
      ? deps.entries().filter((entry) => mayUseModel(principal.key, entry.config.modelName))
      : deps.entries();

  const modelInfo: Endpoint = async (request, response, principal) => {
    const id = queryOf(request).get("litellm_model_id");
    const visible = visibleTo(principal).filter((entry) => !id || entry.deployment.id === id);
    sendJson(response, 200, { data: visible.map(modelInfoEntry) });
  };

  const modelGroupInfo: Endpoint = async (request, response, principal) => {
    const wanted = queryOf(request).get("model_group");
    const groups = new Map<string, ModelEntry[]>();
    for (const entry of visibleTo(principal)) {
      if (wanted && entry.config.modelName !== wanted) continue;
      const group = groups.get(entry.config.modelName) ?? [];
      group.push(entry);
      groups.set(entry.config.modelName, group);
    }
    sendJson(response, 200, {
      data: [...groups].map(([group, members]) => modelGroupEntry(group, members)),
    });
  };

  const health: Endpoint = async (request, response, principal) => {
    if (!isAdmin(principal)) {
      throw new GatewayError({
        code: Code.PermissionDenied,
        message: "GET /health calls every deployment: it needs the master key or an admin key.",
        errorCode: "admin_only",
      });
    }
    const wanted = queryOf(request).get("model");
    const chosen = deps.entries().filter((entry) => !wanted || entry.config.modelName === wanted);
    if (wanted && chosen.length === 0) {
      throw new GatewayError({
        code: Code.NotFound,
        message: `no model group "${wanted.slice(0, 256)}"`,
        param: "model",
        errorCode: "model_not_found",
      });
    }
    const chosenIds = new Set(chosen.map((entry) => entry.deployment.id));
    const background = deps.backgroundHealth?.latest;
    const results = background
      ? background.filter((result) => chosenIds.has(result.deployment.id))
      : await activeChecks(chosen, response);
    const configOf = new Map(chosen.map((entry) => [entry.deployment.id, entry.config]));
    const endpoint = (deployment: Deployment) => ({
      ...publicParams(configOf.get(deployment.id)!),
      model_id: deployment.id,
      model_name: deployment.modelGroup,
    });
    const healthy = results.filter((result) => result.healthy);
    const unhealthy = results.filter((result) => !result.healthy);
    sendJson(response, 200, {
      healthy_endpoints: healthy.map((result) => endpoint(result.deployment)),
      unhealthy_endpoints: unhealthy.map((result) => ({
        ...endpoint(result.deployment),
        error: result.error,
      })),
      healthy_count: healthy.length,
      unhealthy_count: unhealthy.length,
    });
  };

  /** Before the background loop's first run ends, or without it: checks every chosen deployment now. */
  const activeChecks = (
    chosen: readonly ModelEntry[],
    response: { once(event: "close", f: () => void): unknown },
  ) => {
    // The caller leaving ends the checks; so does a stopping gateway.
    const left = new AbortController();
    response.once("close", () => left.abort());
    const signals = deps.shutdownSignal ? [left.signal, deps.shutdownSignal] : [left.signal];
    return checkDeployments(healthCheckTargets(chosen), {
      timeoutMs: deps.healthCheckTimeoutMs ?? DEFAULT_HEALTH_CHECK_TIMEOUT_MS,
      concurrency: HEALTH_CHECK_CONCURRENCY,
      signal: AbortSignal.any(signals),
    });
  };

  return [
    ...["", "/v1", "/v2"].map((version) => doorRoute(door, "GET", `${version}/model/info`, modelInfo)),
    doorRoute(door, "GET", "/model_group/info", modelGroupInfo),
    doorRoute(door, "GET", "/health", health),
  ];
}

/** One probe per entry, of the kind its model_info asks for. */
export function healthCheckTargets(entries: readonly ModelEntry[]): HealthCheckTarget[] {
  return entries.map((entry) => ({ deployment: entry.deployment, mode: healthCheckMode(entry.config) }));
}

/** LiteLLM reads `model_info.mode` (and `health_check_mode`) to pick the probe. */
function healthCheckMode(config: DeploymentConfig): HealthCheckMode {
  const mode = config.modelInfo.health_check_mode ?? config.modelInfo.mode;
  return mode === "embedding" ? "embedding" : "chat";
}
