import { initTRPC, TRPCError } from "@trpc/server";
import type { Principal } from "../auth/authenticator.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { NodeRequest, NodeResponse } from "../http/node-http.js";
import { isAdmin } from "../services/admin-guards.js";
import { reasonOf, toTRPCError } from "./admin-errors.js";

/** What every procedure sees: the HTTP exchange and who is calling (or why that is unknown). */
export interface AdminContext {
  readonly request: NodeRequest;
  readonly response: NodeResponse;
  /** The authenticated caller, or the error authentication ended in. */
  readonly caller: Principal | GatewayError;
}

const t = initTRPC.context<AdminContext>().create({
  // Never a stack trace in an answer, whatever NODE_ENV says.
  isDev: false,
  errorFormatter: ({ shape, error }) => ({
    ...shape,
    data: { ...shape.data, reason: reasonOf(error) },
  }),
});

export const adminRouter = t.router;

/** Service errors (GatewayError/ConnectError) become tRPC errors with the matching code. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  return result.ok ? result : { ...result, error: toTRPCError(result.error) };
});

/**
 * Procedures for administrators: the master key, or a virtual key whose
 * metadata.role is "proxy_admin". Anyone else gets UNAUTHORIZED (no or a
 * bad key) or FORBIDDEN (a key that may not administer).
 */
export const adminProcedure = t.procedure.use(mapErrors).use(({ ctx, next }) => {
  const caller = ctx.caller;
  if (caller instanceof GatewayError) {
    throw new TRPCError({ code: "UNAUTHORIZED", message: caller.rawMessage, cause: caller });
  }
  if (caller.kind === "anonymous") {
    throw new TRPCError({
      code: "FORBIDDEN",
      message:
        "Set a master key (general_settings.master_key or LITELLM_MASTER_KEY) to use the admin API: " +
        "an open gateway has no administrators.",
    });
  }
  if (!isAdmin(caller)) {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: 'Only the master key or a key with metadata.role "proxy_admin" may use the admin API.',
    });
  }
  return next({ ctx: { ...ctx, principal: caller } });
});
