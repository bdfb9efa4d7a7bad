import type { Principal } from "../auth/authenticator.js";
import { createDoorCall } from "../http/door-kit/call-context.js";
import type { NodeRequest, NodeResponse } from "../http/node-http.js";
import type { HandlerCall } from "../services/handler-calls.js";

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
  { method, run }: HandlerCall<Result>,
): Promise<Awaited<Result>> {
  const call = createDoorCall(method, ctx.request, ctx.response, ctx.principal, performance.now());
  try {
    return await run(call.context);
  } finally {
    call.done();
  }
}
