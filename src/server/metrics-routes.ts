import { Code } from "@connectrpc/connect";
import type { Authenticator } from "../auth/authenticator.js";
import { GatewayError } from "../errors/gateway-error.js";
import { callerKey } from "../http/door-kit/caller-key.js";
import type { NodeResponse } from "../http/node-http.js";
import type { Route, RouteHandler } from "../http/route-table.js";
import type { GatewayMetrics } from "../observability/metrics.js";
import { isAdmin } from "../services/admin-guards.js";

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
 */
export function metricsRoutes(options: MetricsRouteOptions): Route[] {
  const { metrics, authenticator, requireAuth, sendError } = options;
  const scrape: RouteHandler = (request, response) => {
    if (requireAuth) {
      try {
        const principal = authenticator.authenticate(callerKey(request));
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
        return;
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
  };
  return ["/metrics", "/metrics/"].flatMap((path) =>
    ["GET", "HEAD"].map((method) => ({ method, path, handle: scrape, sendError })),
  );
}
