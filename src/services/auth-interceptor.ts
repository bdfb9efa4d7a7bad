import { createContextKey, type Interceptor } from "@connectrpc/connect";
import { type Authenticator, bearerToken, type Principal } from "../auth/authenticator.js";

/** The authenticated caller of an RPC, set by the auth interceptor or the REST shims. */
export const principalKey = createContextKey<Principal>({ kind: "anonymous" }, { description: "caller" });

/**
 * Authenticates every Connect/gRPC call from its `authorization` metadata.
 * gRPC health and reflection stay open, like the HTTP health routes, so
 * probes and schema tools need no key.
 */
export function createAuthInterceptor(authenticator: Authenticator): Interceptor {
  return (next) => async (request) => {
    if (!request.service.typeName.startsWith("grpc.")) {
      const token =
        bearerToken(request.header.get("authorization")) ?? request.header.get("x-api-key") ?? undefined;
      request.contextValues.set(principalKey, authenticator.authenticate(token));
    }
    return next(request);
  };
}
