import {
  Code,
  ConnectError,
  type ConnectRouter,
  type ConnectRouterOptions,
  createConnectRouter,
} from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import {
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from "@connectrpc/connect-node";
import type { NodeRequest, NodeResponse } from "../http/node-http.js";
import type { Logger } from "../observability/logger.js";
import { withSpecGrpcMessage } from "./grpc-message.js";
import { withParseErrorsAsInvalidArgument } from "./parse-error-status.js";

export interface ConnectAdapterOptions extends ConnectRouterOptions {
  readonly routes: (router: ConnectRouter) => void;
  /** Requests for paths no RPC serves. */
  readonly fallback: (request: NodeRequest, response: NodeResponse) => void;
  readonly logger: Logger;
  /**
   * Whether the request's headers carry a key the gateway accepts. Requests without one are read
   * under `unauthenticatedReadMaxBytes`: they are refused (UNAUTHENTICATED) once parsed, and must
   * not make the gateway buffer or inflate a large body first.
   */
  readonly isAuthenticated?: (request: NodeRequest) => boolean;
  /** The per-message limit (after decompression) for requests without a good key. */
  readonly unauthenticatedReadMaxBytes?: number;
}

/**
 * Connect-Node's connectNodeAdapter, plus one step between handler and wire: grpc-message
 * re-encoded as the gRPC spec says (see grpc-message.ts), which the library offers no hook for.
 */
export function createConnectAdapter(
  options: ConnectAdapterOptions,
): (request: NodeRequest, response: NodeResponse) => void {
  const { routes, fallback, logger, isAuthenticated, unauthenticatedReadMaxBytes, ...routerOptions } =
    options;
  const handlersWith = (readMaxBytes: number | undefined) => {
    const router = createConnectRouter({
      acceptCompression: [compressionGzip, compressionBrotli],
      ...routerOptions,
      ...(readMaxBytes !== undefined && { readMaxBytes }),
    });
    routes(router);
    const handlers = new Map<string, UniversalHandler>();
    for (const handler of router.handlers) handlers.set(handler.requestPath, handler);
    return handlers;
  };
  const handlers = handlersWith(routerOptions.readMaxBytes);
  // The same services again, read under a small limit: for callers whose key is missing or wrong.
  const strangerHandlers =
    isAuthenticated && unauthenticatedReadMaxBytes !== undefined
      ? handlersWith(unauthenticatedReadMaxBytes)
      : handlers;

  return (request, response) => {
    const url = request.url ?? "";
    const query = url.indexOf("?");
    const path = query === -1 ? url : url.slice(0, query);
    const handler = (isAuthenticated && !isAuthenticated(request) ? strangerHandlers : handlers).get(path);
    if (!handler) return fallback(request, response);
    handler(universalRequestFromNodeRequest(request, response, undefined, undefined))
      .then(withParseErrorsAsInvalidArgument)
      .then((universalResponse) =>
        universalResponseToNodeResponse(withSpecGrpcMessage(universalResponse), response),
      )
      .catch((reason: unknown) => {
        // A client that went away mid-response is not a fault of the handler.
        if (ConnectError.from(reason).code === Code.Aborted) return;
        logger.error(
          {
            rpc: `${handler.service.typeName}/${handler.method.name}`,
            err: ConnectError.from(reason).rawMessage,
          },
          "rpc handler failed",
        );
      });
  };
}
