import type { User } from "@a2a-js/sdk/server";
import type { Principal } from "../auth/authenticator.js";

/** The authenticated caller, carried through the SDK's ServerCallContext to the executors. */
export class GatewayUser implements User {
  constructor(readonly principal: Principal) {}

  get isAuthenticated(): boolean {
    return this.principal.kind !== "anonymous";
  }

  get userName(): string {
    return this.principal.kind;
  }
}
