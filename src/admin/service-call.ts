import type { DescMethod, DescService } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import type { Principal } from "../auth/authenticator.js";
import { createDoorCall } from "../http/door-kit/call-context.js";
import type { NodeRequest, NodeResponse } from "../http/node-http.js";
import type { ServiceHandlers } from "../services/service-handlers.js";

/** The parts of a procedure's context a service call needs. */
export interface CallerContext {
  readonly request: NodeRequest;
  readonly response: NodeResponse;
  readonly principal: Principal;
}

/**
 * Calls a service implementation in process, as the REST shims do: the
 * caller's principal in the handler context (so the service's own admin
 * checks apply), and a signal that aborts when the HTTP client goes away.
 */
export async function callService<Result>(
  ctx: CallerContext,
  method: DescMethod,
  run: (context: HandlerContext) => Result | Promise<Result>,
): Promise<Result> {
  const call = createDoorCall(method, ctx.request, ctx.response, ctx.principal, performance.now());
  try {
    return await run(call.context);
  } finally {
    call.done();
  }
}

/**
 * `callService` for one service's handlers, by method name: the method's
 * descriptor and handler are looked up together, so a procedure names the
 * RPC once, and the request and answer types are the RPC's own.
 */
export function serviceCaller<
  Service extends DescService,
  Names extends keyof ServiceHandlers<Service> & string,
>(service: Service, handlers: Pick<ServiceHandlers<Service>, Names>) {
  return <Name extends Names>(
    ctx: CallerContext,
    name: Name,
    request: Parameters<ServiceHandlers<Service>[Name]>[0],
  ): Promise<Awaited<ReturnType<ServiceHandlers<Service>[Name]>>> => {
    // A mapped type's members are not callable through a generic key; each is (request, context) => answer.
    const handler = handlers[name] as (request: unknown, context: HandlerContext) => unknown;
    return callService(ctx, service.method[name] as DescMethod, (context) =>
      handler.call(handlers, request, context),
    ) as Promise<Awaited<ReturnType<ServiceHandlers<Service>[Name]>>>;
  };
}
