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

export interface ConnectAdapterOptions extends ConnectRouterOptions {
  readonly routes: (router: ConnectRouter) => void;
  /** Requests for paths no RPC serves. */
  readonly fallback: (request: NodeRequest, response: NodeResponse) => void;
  readonly logger: Logger;
}

/**
 * Connect-Node's connectNodeAdapter, plus one step between handler and wire: grpc-message
 * re-encoded as the gRPC spec says (see grpc-message.ts), which the library offers no hook for.
 */
export function createConnectAdapter(
  options: ConnectAdapterOptions,
): (request: NodeRequest, response: NodeResponse) => void {
  const { routes, fallback, logger, ...routerOptions } = options;
  const router = createConnectRouter({
    acceptCompression: [compressionGzip, compressionBrotli],
    ...routerOptions,
  });
  routes(router);
  const handlers = new Map<string, UniversalHandler>();
  for (const handler of router.handlers) handlers.set(handler.requestPath, handler);

  return (request, response) => {
    const url = request.url ?? "";
    const query = url.indexOf("?");
    const handler = handlers.get(query === -1 ? url : url.slice(0, query));
    if (!handler) return fallback(request, response);
    handler(universalRequestFromNodeRequest(request, response, undefined, undefined))
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
