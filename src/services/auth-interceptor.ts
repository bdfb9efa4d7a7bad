import type { Interceptor } from "@connectrpc/connect";
import type { Authenticator } from "../auth/authenticator.js";
import { authenticatedKey, principalKey } from "../auth/context-keys.js";
import { callerKeyFrom } from "../http/door-kit/caller-key.js";

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
          callerKeyFrom(
            request.header.get("authorization") ?? undefined,
            request.header.get("x-api-key") ?? undefined,
          ),
        );
      request.contextValues.set(principalKey, principal);
    }
    return next(request);
  };
}
