import type { Authenticator, Principal } from "../../auth/authenticator.js";
import { GatewayError } from "../../errors/gateway-error.js";
import type { NodeRequest, NodeResponse } from "../node-http.js";
import type { RouteMatch } from "../route-pattern.js";
import type { Route } from "../route-table.js";
import { callerKey } from "./caller-key.js";
import type { Endpoint } from "./exchange.js";

export type { Endpoint, Exchange } from "./exchange.js";

/** What differs between the doors that authenticate alike: which header first, and how errors look. */
export interface Door {
  readonly authenticator: Pick<Authenticator, "authenticate">;
  /** `x-api-key` before `Authorization` (the Anthropic door's order). */
  readonly apiKeyFirst?: boolean;
  /** Renders an error in the door's own format (OpenAI JSON, Anthropic JSON). */
  sendError(response: NodeResponse, error: GatewayError): void;
  /** Called with errors that are the gateway's fault (5xx), for logging. */
  onError?(error: GatewayError, request: NodeRequest): void;
}

/**
 * Authenticates and runs an endpoint; every failure, before or after the
 * response began, ends in the door's own error format, never a crash.
 */
export function runEndpoint(
  endpoint: Endpoint,
  request: NodeRequest,
  response: NodeResponse,
  door: Door,
): void {
  const start = performance.now();
  let principal: Principal;
  try {
    principal = door.authenticator.authenticate(callerKey(request, door.apiKeyFirst));
  } catch (error) {
    door.sendError(response, GatewayError.from(error));
    return;
  }
  endpoint(request, response, principal, start).catch((error: unknown) => {
    const gatewayError = GatewayError.from(error);
    if (gatewayError.httpStatus >= 500) door.onError?.(gatewayError, request);
    if (!response.headersSent) door.sendError(response, gatewayError);
    else response.end();
  });
}

/** A route of `door`: the caller authenticated, then `endpoint` run. */
export function doorRoute(door: Door, method: string, path: string, endpoint: Endpoint): Route {
  return {
    method,
    path,
    handle: (request, response) => runEndpoint(endpoint, request, response, door),
    sendError: door.sendError,
  };
}

/**
 * A route whose endpoint depends on the path (a name in it): `endpointFor`
 * runs before authentication, so a malformed name is refused (in the door's
 * format) whoever asks, as it always was.
 */
export function doorRouteFor(
  door: Door,
  method: string,
  path: string,
  endpointFor: (match: RouteMatch, request: NodeRequest) => Endpoint,
): Route {
  return {
    method,
    path,
    handle: (request, response, match) => {
      let endpoint: Endpoint;
      try {
        endpoint = endpointFor(match, request);
      } catch (error) {
        door.sendError(response, GatewayError.from(error));
        return;
      }
      runEndpoint(endpoint, request, response, door);
    },
    sendError: door.sendError,
  };
}

/** `decodeURIComponent`, refusing a malformed escape with a 400 that says what was wrong. */
export function decodePathPart(text: string, message: string, param?: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw GatewayError.invalidArgument(message, param);
  }
}
