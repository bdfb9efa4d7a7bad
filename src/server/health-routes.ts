import type { NodeResponse } from "../http/node-http.js";
import { sendJson } from "../shim/respond.js";

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
}

/**
 * LiteLLM's health routes, which existing probes already point at. Open:
 * no key needed. Returns false for other paths.
 */
export function handleHealth(response: NodeResponse, path: string, readiness: Readiness): boolean {
  switch (path) {
    case "/health/liveliness":
    case "/health/liveness":
      sendJson(response, 200, "I'm alive!");
      return true;
    case "/health/readiness": {
      const db = readiness.db ? readiness.db() : Promise.resolve("Not connected");
      void db.then((state) => {
        const ready = readiness.ready();
        sendJson(response, ready ? 200 : 503, {
          status: ready ? "healthy" : "shutting_down",
          db: state,
          cache: readiness.cache ? readiness.cache() : null,
          version: process.env.npm_package_version ?? "0.1.0",
        });
      });
      return true;
    }
    default:
      return false;
  }
}
