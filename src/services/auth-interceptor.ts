import { createContextKey, type Interceptor } from "@connectrpc/connect";
import { type Authenticator, bearerToken, type Principal } from "../auth/authenticator.js";

/** The authenticated caller of an RPC, set by the auth interceptor or the REST shims. */
export const principalKey = createContextKey<Principal>({ kind: "anonymous" }, { description: "caller" });

/** The caller as the gateway's Connect adapter already found it from the same headers (see createConnectAdapter). */
export const authenticatedKey = createContextKey<Principal | undefined>(undefined, {
  description: "caller, authenticated by the adapter",
});

/**
 * Authenticates every Connect/gRPC call from its `authorization` metadata
 * (once: a principal the adapter found is taken as it is). gRPC health and
 * reflection stay open, like the HTTP health routes, so probes and schema
 * tools need no key.
 */
export function createAuthInterceptor(authenticator: Authenticator): Interceptor {
  return (next) => async (request) => {
    if (!request.service.typeName.startsWith("grpc.")) {
      const principal =
        request.contextValues.get(authenticatedKey) ??
        authenticator.authenticate(
          bearerToken(request.header.get("authorization")) ?? request.header.get("x-api-key") ?? undefined,
        );
      request.contextValues.set(principalKey, principal);
    }
    return next(request);
  };
}
