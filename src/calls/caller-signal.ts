import type { HandlerContext } from "@connectrpc/connect";

/** A handler context that also carries its caller's abort as a LightSignal (the REST doors' contexts). */
export interface LightCallerSignal {
  readonly callerSignal: AbortSignal;
}

/**
 * The signal that aborts when the caller goes away, for the per-call path
 * (the router's attempts listen on it): the door's LightSignal where the
 * context has one, so its real AbortSignal is never built; otherwise
 * Connect's. Code that may pass the signal to `fetch` or `AbortSignal.any`
 * reads `context.signal` instead.
 */
export function callerSignal(context: HandlerContext): AbortSignal {
  return (context as Partial<LightCallerSignal>).callerSignal ?? context.signal;
}
