import type { HandlerContext } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
import { GatewayError } from "../errors/gateway-error.js";
import { principalKey } from "./auth-interceptor.js";

/**
 * Admin-only operations (credentials, agents) need the master key. With no
 * master key configured the gateway is open, and then nobody may administer
 * it: an open gateway must not hand out its secrets.
 */
export function requireAdmin(context: HandlerContext, what: string): void {
  const principal = context.values.get(principalKey);
  if (principal.kind === "master") return;
  throw new GatewayError({
    code: Code.PermissionDenied,
    message:
      principal.kind === "anonymous"
        ? `Set a master key (general_settings.master_key or LITELLM_MASTER_KEY) to manage ${what}.`
        : `Only the master key may manage ${what}.`,
    errorCode: "admin_only",
  });
}

/** Store outages become a 503 that says what could not be done; other store errors pass as they are. */
export async function withStore<Result>(action: string, run: () => Promise<Result>): Promise<Result> {
  try {
    return await run();
  } catch (error) {
    const gatewayError = GatewayError.from(error);
    if (gatewayError.code !== Code.Unavailable) throw gatewayError;
    throw new GatewayError({
      code: Code.Unavailable,
      message: `cannot ${action}: ${gatewayError.rawMessage}`,
      errorCode: gatewayError.errorCode ?? "store_unavailable",
      retryable: true,
      cause: gatewayError,
    });
  }
}
