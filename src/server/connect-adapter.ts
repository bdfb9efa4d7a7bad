import {
  Code,
  ConnectError,
  type ConnectRouter,
  type ConnectRouterOptions,
  createConnectRouter,
  createContextValues,
} from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerResponse } from "@connectrpc/connect/protocol";
import {
  compressionBrotli,
  compressionGzip,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from "@connectrpc/connect-node";
import type { Principal } from "../auth/authenticator.js";
import { authenticatedKey } from "../auth/context-keys.js";
import type { NodeRequest, NodeResponse } from "../http/node-http.js";
import type { Logger } from "../observability/logger.js";
import { delegate, respellGrpcMessage, withSpecGrpcMessage } from "./grpc-message.js";
import { universalRequestFromH2Request } from "./h2-universal-request.js";
import { mendParseErrorStatus, withParseErrorsAsInvalidArgument } from "./parse-error-status.js";

export interface ConnectAdapterOptions extends ConnectRouterOptions {
  readonly routes: (router: ConnectRouter) => void;
  /** Requests for paths no RPC serves. */
  readonly fallback: (request: NodeRequest, response: NodeResponse) => void;
  readonly logger: Logger;
  /**
   * The caller, when the request's headers carry a key the gateway accepts; undefined otherwise.
   * Requests without one are read under `unauthenticatedReadMaxBytes`: they are refused
   * (UNAUTHENTICATED) once parsed, and must not make the gateway buffer or inflate a large body
   * first. The principal found goes to the handlers in the call's context values
   * (`authenticatedKey`), so the auth interceptor does not check the key a second time.
   */
  readonly authenticate?: (request: NodeRequest) => Principal | undefined;
  /** The per-message limit (after decompression) for requests without a good key. */
  readonly unauthenticatedReadMaxBytes?: number;
}

/**
 * Connect-Node's connectNodeAdapter, plus one step between handler and wire: grpc-message
 * re-encoded as the gRPC spec says (see grpc-message.ts), which the library offers no hook for.
 * HTTP/2 requests (every gRPC call) reach the handlers through h2-universal-request.ts, a
 * lighter build of what connect-node makes of them.
 */
export function createConnectAdapter(
  options: ConnectAdapterOptions,
): (request: NodeRequest, response: NodeResponse) => void {
  const { routes, fallback, logger, authenticate, unauthenticatedReadMaxBytes, ...routerOptions } = options;
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
    authenticate && unauthenticatedReadMaxBytes !== undefined
      ? handlersWith(unauthenticatedReadMaxBytes)
      : handlers;

  return (request, response) => {
    const url = request.url ?? "";
    const query = url.indexOf("?");
    const path = query === -1 ? url : url.slice(0, query);
    const principal = authenticate?.(request);
    const handler = (authenticate && !principal ? strangerHandlers : handlers).get(path);
    if (!handler) return fallback(request, response);
    const contextValues = principal && createContextValues().set(authenticatedKey, principal);
    const universalRequest =
      "stream" in request
        ? universalRequestFromH2Request(request, contextValues)
        : universalRequestFromNodeRequest(request, response, undefined, contextValues);
    handler(universalRequest)
      .then(mended)
      .then((universalResponse) => universalResponseToNodeResponse(universalResponse, response))
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

/**
 * A handler's answer with the parse-error status (parse-error-status.ts) and grpc-message's encoding
 * (grpc-message.ts) mended. A gRPC answer (its status in the trailers) gets both in one layer around
 * its body, checked once it has ended: each layer costs a promise per message, twenty-odd on a stream.
 */
function mended(answer: UniversalServerResponse): UniversalServerResponse | Promise<UniversalServerResponse> {
  const { body, trailer } = answer;
  if (body !== undefined && Symbol.asyncIterator in body && trailer?.has("grpc-status")) {
    return {
      ...answer,
      body: delegate(body, (result) => {
        if (result.done) {
          mendParseErrorStatus(trailer);
          respellGrpcMessage(trailer);
        }
        return result;
      }),
    };
  }
  return withParseErrorsAsInvalidArgument(answer).then(withSpecGrpcMessage);
}
