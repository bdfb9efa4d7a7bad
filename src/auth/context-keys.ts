import { createContextKey } from "@connectrpc/connect";
import type { Principal } from "./authenticator.js";

/** The authenticated caller of an RPC, set by the auth interceptor or by a door calling a service in process. */
export const principalKey = createContextKey<Principal>({ kind: "anonymous" }, { description: "caller" });

/** The caller as the gateway's Connect adapter already found it from the same headers (see createConnectAdapter). */
export const authenticatedKey = createContextKey<Principal | undefined>(undefined, {
  description: "caller, authenticated by the adapter",
});
