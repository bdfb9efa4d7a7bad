import { create, type DescMethod, type DescService, type MessageInitShape } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import type { ServiceHandlers } from "./service-handlers.js";

/** One RPC to run in process: its descriptor (for the call's context) and the handler's call. */
export interface HandlerCall<Answer> {
  readonly method: DescMethod;
  run(context: HandlerContext): Answer;
}

/**
 * A service's handlers called by method name, the request given as its
 * fields: it is built with the method's own input schema, so a caller (a
 * tRPC procedure, a REST route) names the RPC once and needs none of the
 * generated request schemas.
 */
export function handlerCalls<
  Service extends DescService,
  Names extends keyof ServiceHandlers<Service> & string,
>(service: Service, handlers: Pick<ServiceHandlers<Service>, Names>) {
  return <Name extends Names>(
    name: Name,
    request?: MessageInitShape<Service["method"][Name]["input"]>,
  ): HandlerCall<ReturnType<ServiceHandlers<Service>[Name]>> => {
    const method = service.method[name] as DescMethod;
    // A mapped type's members are not callable through a generic key; each is (request, context) => answer.
    const handler = handlers[name] as (
      request: unknown,
      context: HandlerContext,
    ) => ReturnType<ServiceHandlers<Service>[Name]>;
    return { method, run: (context) => handler.call(handlers, create(method.input, request), context) };
  };
}
