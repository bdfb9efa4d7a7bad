import { Code } from "@connectrpc/connect";
import type { Authenticator } from "../auth/authenticator.js";
import { GatewayError } from "../errors/gateway-error.js";
import { callerKey } from "../http/door-kit/caller-key.js";
import { sendJson } from "../http/door-kit/json-answer.js";
import type { NodeRequest, NodeResponse } from "../http/node-http.js";
import { anyMethodRoute, type Route } from "../http/route-table.js";
import type { AppRouter } from "./app-router.js";
import type { AdminContext } from "./trpc.js";

export interface AdminRouteOptions {
  /**
   * Builds the admin API's router; called by the first admin request, when
   * tRPC's adapter is loaded too: a gateway nobody administers never holds
   * either (~1 MiB of heap).
   */
  readonly router: () => Promise<AppRouter>;
  readonly authenticator: Pick<Authenticator, "authenticate">;
  /** Told of errors that are the gateway's fault (5xx), for logging; never of callers' mistakes. */
  readonly onError?: (error: GatewayError, request: NodeRequest) => void;
}

/** Admin requests are small JSON; a larger body is refused before it is read whole. */
const MAX_BODY_BYTES = 1024 * 1024;
/**
 * Calls per batched request (the console sends at most four at once). Each
 * call listens for the client going away, and Node warns past ten listeners.
 */
const MAX_BATCH_CALLS = 10;

type TrpcNodeAdapter = typeof import("@trpc/server/adapters/node-http");

/**
 * The admin API at /trpc/<procedure> (batches: /trpc/a,b?batch=1), over
 * tRPC's Node adapter on either HTTP version. The caller is authenticated
 * once per HTTP request, from `Authorization: Bearer` (or x-api-key), as on
 * every other door; tRPC answers every method itself.
 */
export function adminRoutes(options: AdminRouteOptions): Route[] {
  const { authenticator, onError } = options;
  let loaded: Promise<[AppRouter, TrpcNodeAdapter]> | undefined;
  const handle: Route["handle"] = (request, response, { rest }) => {
    loaded ??= Promise.all([options.router(), import("@trpc/server/adapters/node-http")]);
    loaded.then(
      ([router, adapter]) => serve(router, adapter.nodeHTTPRequestHandler, request, response, rest),
      (error: unknown) => {
        // Not kept: the next admin request tries the load again.
        loaded = undefined;
        onError?.(GatewayError.from(error), request);
        // tRPC's own error shape, as its adapter would have answered an internal error.
        sendJson(response, 500, {
          error: {
            message: "the admin API could not be loaded",
            code: -32603,
            data: { code: "INTERNAL_SERVER_ERROR", httpStatus: 500 },
          },
        });
      },
    );
  };
  return [anyMethodRoute("/trpc/*", handle)];

  function serve(
    router: AppRouter,
    nodeHTTPRequestHandler: TrpcNodeAdapter["nodeHTTPRequestHandler"],
    request: NodeRequest,
    response: NodeResponse,
    rest: string,
  ): void {
    const createContext = (): AdminContext => ({ request, response, caller: authenticate(request) });
    void nodeHTTPRequestHandler({
      router,
      req: request,
      res: response,
      path: rest,
      maxBodySize: MAX_BODY_BYTES,
      maxBatchSize: MAX_BATCH_CALLS,
      createContext,
      onError: ({ error }) => {
        if (error.code !== "INTERNAL_SERVER_ERROR" && error.code !== "SERVICE_UNAVAILABLE") return;
        const cause = error.cause;
        // A bug's own message goes to the log (the caller saw only "internal error").
        onError?.(
          cause instanceof GatewayError
            ? cause
            : new GatewayError({ code: Code.Internal, message: cause?.message ?? error.message, cause }),
          request,
        );
      },
    });
  }

  function authenticate(request: NodeRequest): AdminContext["caller"] {
    try {
      return authenticator.authenticate(callerKey(request));
    } catch (error) {
      return GatewayError.from(error);
    }
  }
}
