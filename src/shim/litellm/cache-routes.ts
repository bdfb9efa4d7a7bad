import { Code } from "@connectrpc/connect";
import type { ResponseCache } from "../../cache/response-cache.js";
import { configured, GatewayError } from "../../errors/gateway-error.js";
import { doorRoute, type Endpoint } from "../../http/door-kit/door.js";
import { sendJson } from "../../http/door-kit/json-answer.js";
import { type DoorDeps, openAIDoor } from "../../http/door-kit/openai-door.js";
import { readJsonBody } from "../../http/door-kit/read-body.js";
import type { Route } from "../../http/route-table.js";
import { isAdmin } from "../../services/admin-guards.js";

export interface CacheRoutesDeps extends DoorDeps {
  /** Absent when caching is off: the routes answer 503, as LiteLLM's do. */
  readonly cache?: ResponseCache;
}

/** A delete names keys, each a namespace and a hash: small. */
const MAX_DELETE_BODY_BYTES = 1024 * 1024;
const MAX_DELETE_KEYS = 10_000;

/**
 * LiteLLM's cache routes (BerriAI/litellm proxy/caching_routes.py):
 * `GET /cache/ping`, `POST /cache/delete` (`{"keys": [...]}`, the values of
 * `x-litellm-cache-key`) for any caller, and `POST /cache/flushall` for the
 * master key or an admin key. Unlike LiteLLM's, delete and flush work on
 * the local cache too, and flushall removes only the cache's own keys
 * (the Redis may hold the router's state).
 */
export function cacheRoutes(deps: CacheRoutesDeps): Route[] {
  const door = openAIDoor(deps);
  const cache = () =>
    configured(
      deps.cache,
      "Cache not initialized: set litellm_settings.cache: true",
      "cache_not_initialized",
    );

  const ping: Endpoint = async (_request, response) => {
    const { store } = cache();
    try {
      await store.ping();
    } catch (error) {
      throw new GatewayError({
        code: Code.Unavailable,
        message: `Service Unhealthy (${GatewayError.from(error).rawMessage})`,
        errorCode: "cache_unavailable",
      });
    }
    sendJson(response, 200, {
      status: "healthy",
      cache_type: store.type,
      ...(store.type === "redis" && { ping_response: true }),
    });
  };

  const remove: Endpoint = async (request, response) => {
    const responseCache = cache();
    const body = await readJsonBody(request, MAX_DELETE_BODY_BYTES);
    const keys = (body as { keys?: unknown } | null)?.keys;
    if (
      !Array.isArray(keys) ||
      keys.length > MAX_DELETE_KEYS ||
      keys.some((key) => typeof key !== "string" || key === "")
    ) {
      throw GatewayError.invalidArgument(
        `keys must be a list of at most ${MAX_DELETE_KEYS} cache keys (x-litellm-cache-key values)`,
        "keys",
      );
    }
    const deleted = await responseCache.delete(keys as string[]);
    sendJson(response, 200, { status: "success", deleted });
  };

  const flushAll: Endpoint = async (_request, response, principal) => {
    const responseCache = cache();
    if (!isAdmin(principal)) {
      throw new GatewayError({
        code: Code.PermissionDenied,
        message: "Only the master key or an admin key may flush the cache.",
        errorCode: "admin_only",
      });
    }
    await responseCache.store.flush();
    sendJson(response, 200, { status: "success" });
  };

  return [
    doorRoute(door, "GET", "/cache/ping", ping),
    doorRoute(door, "POST", "/cache/delete", remove),
    doorRoute(door, "POST", "/cache/flushall", flushAll),
  ];
}
