import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { Code, createContextValues, createHandlerContext, type HandlerContext } from "@connectrpc/connect";
import type { Principal } from "../auth/authenticator.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { NodeRequest, NodeResponse } from "../http/node-http.js";
import { principalKey } from "../services/auth-interceptor.js";
import { requestStartKey } from "../services/call-timing.js";

export interface ShimCall {
  readonly context: HandlerContext;
  /**
   * Call when the response is done: detaches the disconnect listener and
   * aborts the context, as Connect does after every call, which is what
   * unlinks its signal from the shutdown signal.
   */
  done(): void;
}

/**
 * A handler context for calling a service implementation directly from a
 * REST shim: no client transport, no second encode/decode. Its signal aborts
 * when the HTTP client goes away, which cancels the upstream request.
 */
export function createShimCall(
  service: DescService,
  method: DescMethod,
  request: NodeRequest,
  response: NodeResponse,
  principal: Principal,
  start: number,
  shutdownSignal?: AbortSignal,
): ShimCall {
  const values = createContextValues().set(principalKey, principal).set(requestStartKey, start);
  const context = createHandlerContext({
    service,
    method,
    protocolName: "rest",
    requestMethod: request.method ?? "POST",
    url: request.url ?? "/",
    contextValues: values,
    shutdownSignal,
  });
  const onClose = () => {
    if (!response.writableFinished) {
      context.abort(new GatewayError({ code: Code.Canceled, message: "client closed the request" }));
    }
  };
  response.once("close", onClose);
  return {
    context,
    done() {
      response.off("close", onClose);
      context.abort();
    },
  };
}
