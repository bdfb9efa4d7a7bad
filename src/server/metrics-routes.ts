import { Code } from "@connectrpc/connect";
import { type Authenticator, callerKeyOf } from "../auth/authenticator.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { NodeRequest, NodeResponse } from "../http/node-http.js";
import type { GatewayMetrics } from "../observability/metrics.js";
import { isAdmin } from "../services/admin-guards.js";
import { methodNotAllowed } from "../shim/run-route.js";

export interface MetricsRouteOptions {
  readonly metrics: GatewayMetrics;
  readonly authenticator: Authenticator;
  /** `litellm_settings.require_auth_for_metrics_endpoint`: the master key is needed to scrape. */
  readonly requireAuth: boolean;
  /** Renders errors (401, 405) in the caller's format. */
  readonly sendError: (response: NodeResponse, error: GatewayError) => void;
}

/**
 * `GET /metrics` (and `/metrics/`, which LiteLLM's Grafana dashboards
 * scrape): Prometheus text. Open by default, as LiteLLM's is; with
 * require_auth_for_metrics_endpoint the master key or an admin key is needed.
 * Returns false for other paths.
 */
export function createMetricsRoute(
  options: MetricsRouteOptions,
): (request: NodeRequest, response: NodeResponse, path: string) => boolean {
  const { metrics, authenticator, requireAuth, sendError } = options;
  return (request, response, path) => {
    if (path !== "/metrics" && path !== "/metrics/") return false;
    if (request.method !== "GET" && request.method !== "HEAD") {
      sendError(response, methodNotAllowed(request.method ?? "", path));
      return true;
    }
    if (requireAuth) {
      try {
        const principal = authenticator.authenticate(callerKeyOf(request));
        // Metrics name every model, key alias and deployment: an admin's view, not any key's.
        // (Anonymous only when the gateway has no master key at all: then everything is open.)
        if (principal.kind === "virtual_key" && !isAdmin(principal)) {
          throw new GatewayError({
            code: Code.PermissionDenied,
            message: "GET /metrics needs the master key or an admin key",
            errorCode: "admin_only",
          });
        }
      } catch (error) {
        sendError(response, GatewayError.from(error));
        return true;
      }
    }
    metrics.render().then(
      ({ contentType, text }) => {
        response.writeHead(200, { "content-type": contentType, "content-length": Buffer.byteLength(text) });
        if (request.method === "HEAD") response.end();
        else response.end(text);
      },
      (error: unknown) => sendError(response, GatewayError.from(error)),
    );
    return true;
  };
}
