import type { GatewayError } from "../errors/gateway-error.js";
import { methodNotAllowed, sendOpenAIError } from "./door-kit/error-answers.js";
import type { NodeRequest, NodeResponse } from "./node-http.js";
import {
  bySpecificity,
  matchParams,
  parsePattern,
  type RouteMatch,
  type RoutePattern,
} from "./route-pattern.js";

/** Answers one request a route matched. */
export type RouteHandler = (request: NodeRequest, response: NodeResponse, match: RouteMatch) => void;

/** One door's answer to a method and path pattern (see RoutePattern); method "*" takes every method. */
export interface Route {
  readonly method: string;
  readonly path: string;
  readonly handle: RouteHandler;
  /** Renders the table's 405 for this path in the door's own error format. */
  readonly sendError: (response: NodeResponse, error: GatewayError) => void;
}

/** A route that takes every method (health, cards, A2A, the admin API), its errors as OpenAI JSON unless said. */
export function anyMethodRoute(
  path: string,
  handle: RouteHandler,
  sendError: Route["sendError"] = sendOpenAIError,
): Route {
  return { method: "*", path, handle, sendError };
}

/** Every route of one path pattern, by method. */
interface PathRoutes {
  readonly pattern: RoutePattern;
  readonly byMethod: Map<string, Route>;
  /** The first route registered for the path: its door renders the 405. */
  readonly first: Route;
}

/**
 * Every HTTP door's routes in one table. The most specific path decides,
 * whatever order the doors were registered in: an exact path, then
 * parameter patterns (more literal segments first), then prefixes (the
 * longest first). When that path has no route for the method (nor "*"), the
 * answer is a 405 in the door's format. Paths no route matches are left to
 * the caller (the Connect adapter).
 */
export class RouteTable {
  /** Exact paths: one Map lookup, the common case (every completion route is one). */
  readonly #exact = new Map<string, PathRoutes>();
  /** Parameter and prefix patterns, most specific first; tried only when no exact path matched. */
  readonly #patterns: PathRoutes[] = [];

  constructor(routes: Iterable<Route>) {
    const byPath = new Map<string, PathRoutes>();
    for (const route of routes) {
      let entry = byPath.get(route.path);
      if (!entry) {
        entry = { pattern: parsePattern(route.path), byMethod: new Map(), first: route };
        byPath.set(route.path, entry);
      }
      if (entry.byMethod.has(route.method)) throw new Error(`two routes for ${route.method} ${route.path}`);
      entry.byMethod.set(route.method, route);
    }
    for (const entry of byPath.values()) {
      if (entry.pattern.kind === "exact") this.#exact.set(entry.pattern.source, entry);
      else this.#patterns.push(entry);
    }
    this.#patterns.sort((a, b) => bySpecificity(a.pattern, b.pattern));
  }

  /** Answers the request and returns true when a route's path matches; false otherwise. */
  dispatch(request: NodeRequest, response: NodeResponse, path: string): boolean {
    const exact = this.#exact.get(path);
    if (exact) return answer(exact, request, response, { path, params: NO_PARAMS, rest: "" });
    for (const entry of this.#patterns) {
      const { pattern } = entry;
      if (pattern.kind === "prefix") {
        if (path.startsWith(pattern.head)) {
          return answer(entry, request, response, {
            path,
            params: NO_PARAMS,
            rest: path.slice(pattern.head.length),
          });
        }
        continue;
      }
      const match = matchParams(pattern, path);
      if (match) return answer(entry, request, response, match);
    }
    return false;
  }
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

function answer(entry: PathRoutes, request: NodeRequest, response: NodeResponse, match: RouteMatch): true {
  const method = request.method ?? "GET";
  const route = entry.byMethod.get(method) ?? entry.byMethod.get("*");
  if (route) route.handle(request, response, match);
  else entry.first.sendError(response, methodNotAllowed(method, match.path));
  return true;
}
