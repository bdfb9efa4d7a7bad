import { sendJson } from "../http/door-kit/json-answer.js";
import type { NodeResponse } from "../http/node-http.js";
import { anyMethodRoute, type Route, type RouteHandler } from "../http/route-table.js";

export interface Readiness {
  /** False once shutdown has begun, so load balancers stop sending traffic. */
  ready(): boolean;
  /**
   * The store's state, reported as `db`; absent when the gateway runs without
   * one ("Not connected", as LiteLLM says). A store outage does not make the
   * gateway unready: completions for models in the YAML still work.
   */
  db?(): Promise<"connected" | "unavailable">;
  /**
   * The router's shared state, reported as `cache` (LiteLLM's field): "redis" while replicas share
   * limits and cooldowns through it, a note while this replica counts alone; absent without Redis.
   */
  cache?(): string;
  /**
   * Why the gateway is not ready yet at start (the embedded store is being
   * created or migrated), or undefined once it is. Readiness answers 503 with
   * this reason meanwhile; liveliness stays 200.
   */
  starting?(): string | undefined;
  /**
   * The callbacks run on a successful call (`litellm_settings.success_callback`, then `callbacks`),
   * listed as LiteLLM's `success_callbacks`; read once at start.
   */
  readonly successCallbacks?: readonly string[];
}

/**
 * LiteLLM's health routes, which existing probes already point at. Open:
 * no key needed, any method.
 */
export function healthRoutes(readiness: Readiness): Route[] {
  const alive: RouteHandler = (_request, response) => sendJson(response, 200, "I'm alive!");
  const ready: RouteHandler = (_request, response) => answerReadiness(response, readiness);
  return [
    anyMethodRoute("/health/liveliness", alive),
    anyMethodRoute("/health/liveness", alive),
    anyMethodRoute("/health/readiness", ready),
  ];
}

function answerReadiness(response: NodeResponse, readiness: Readiness): void {
  const version = process.env.npm_package_version ?? "0.1.0";
  const starting = readiness.starting?.();
  if (starting !== undefined) {
    sendJson(response, 503, { status: "starting", db: "starting", reason: starting, version });
    return;
  }
  const db = readiness.db ? readiness.db() : Promise.resolve("Not connected");
  void db.then((state) => {
    if (!readiness.ready()) {
      sendJson(response, 503, { status: "shutting_down", db: state, version });
      return;
    }
    // A store outage after start: completions still work (keys and credentials are in memory).
    sendJson(response, 200, {
      status: state === "unavailable" ? "degraded" : "healthy",
      db: state,
      cache: readiness.cache ? readiness.cache() : null,
      // LiteLLM's field names, for dashboards that read them.
      litellm_version: version,
      success_callbacks: readiness.successCallbacks ?? [],
      version,
    });
  });
}
