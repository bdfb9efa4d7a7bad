import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { Code, type HandlerContext } from "@connectrpc/connect";
import type { Authenticator, Principal } from "../auth/authenticator.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { NodeRequest, NodeResponse } from "../http/node-http.js";
import { createShimCall } from "./handler-context.js";
import { sendJson } from "./respond.js";

/** One REST exchange: the request, its response, the authenticated caller, and when it arrived. */
export type Exchange = [request: NodeRequest, response: NodeResponse, principal: Principal, start: number];
/** A REST route of a shim. */
export type Route = (...exchange: Exchange) => Promise<void>;

/** What differs between the REST surfaces: where the key comes from, and how errors look. */
export interface RestSurface {
  readonly authenticator: Authenticator;
  /** The caller's key from this surface's headers (e.g. Bearer first, or x-api-key first). */
  callerKey(request: NodeRequest): string | undefined;
  /** Renders an error in the surface's own format (OpenAI JSON, Anthropic JSON). */
  sendError(response: NodeResponse, error: GatewayError): void;
  /** Called with errors that are the gateway's fault (5xx), for logging. */
  onError?(error: GatewayError, request: NodeRequest): void;
}

/**
 * Authenticates and runs a route; every failure, before or after the
 * response began, ends in the surface's own error format, never a crash.
 */
export function runRoute(
  route: Route,
  request: NodeRequest,
  response: NodeResponse,
  surface: RestSurface,
): void {
  const start = performance.now();
  let principal: Principal;
  try {
    principal = surface.authenticator.authenticate(surface.callerKey(request));
  } catch (error) {
    surface.sendError(response, GatewayError.from(error));
    return;
  }
  route(request, response, principal, start).catch((error: unknown) => {
    const gatewayError = GatewayError.from(error);
    if (gatewayError.httpStatus >= 500) surface.onError?.(gatewayError, request);
    if (!response.headersSent) surface.sendError(response, gatewayError);
    else response.end();
  });
}

export function methodNotAllowed(method: string, path: string): GatewayError {
  return new GatewayError({
    code: Code.InvalidArgument,
    message: `Method ${method} is not allowed on ${path}.`,
    httpStatus: 405,
  });
}

/** A request header's first value. */
export function requestHeader(request: NodeRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Calls one method of a service object for a REST exchange and answers
 * 200 with its encoded result and the headers the method set; errors
 * propagate to runRoute, which renders them.
 */
export async function answerJson<Result>(
  service: DescService,
  method: DescMethod,
  exchange: Exchange,
  invoke: (context: HandlerContext) => Promise<Result>,
  encode: (result: Result) => unknown,
): Promise<void> {
  const call = createShimCall(service, method, ...exchange);
  try {
    const result = await invoke(call.context);
    sendJson(exchange[1], 200, encode(result), call.context.responseHeader);
  } finally {
    call.done();
  }
}

/** The query string of a request's URL. */
export function queryOf(request: NodeRequest): URLSearchParams {
  const url = request.url ?? "";
  const start = url.indexOf("?");
  return new URLSearchParams(start === -1 ? "" : url.slice(start + 1));
}

/**
 * A handler for read-only routes, exact paths only: answers and returns true for its paths (405
 * for other methods), false for any other path.
 */
export function getRoutes(routes: Readonly<Record<string, Route>>, surface: RestSurface) {
  return methodRoutes(
    Object.fromEntries(Object.entries(routes).map(([path, route]) => [path, { method: "GET", route }])),
    surface,
  );
}

/** Routes by exact path, each with its one method (405 for another); false for other paths. */
export function methodRoutes(
  routes: Readonly<Record<string, { readonly method: string; readonly route: Route }>>,
  surface: RestSurface,
) {
  return (request: NodeRequest, response: NodeResponse, path: string): boolean => {
    const entry = routes[path];
    if (!entry) return false;
    const method = request.method ?? "GET";
    if (method === entry.method) runRoute(entry.route, request, response, surface);
    else surface.sendError(response, methodNotAllowed(method, path));
    return true;
  };
}
