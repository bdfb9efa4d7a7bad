import type { HandlerContext } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
import type { Principal } from "../auth/authenticator.js";
import { principalKey } from "../auth/context-keys.js";
import { configured, GatewayError } from "../errors/gateway-error.js";
import { ADMIN_ROLE, isAdminKey } from "../keys/virtual-key.js";

/**
 * Admin-only operations (credentials, agents, keys) need the master key or
 * an admin key (a virtual key with `metadata.role: "proxy_admin"`). With no
 * master key configured the gateway is open, and then an anonymous caller
 * may not administer it: an open gateway must not hand out its secrets.
 */
export function requireAdmin(context: HandlerContext, what: string): void {
  const principal = context.values.get(principalKey);
  if (isAdmin(principal)) return;
  throw new GatewayError({
    code: Code.PermissionDenied,
    message:
      principal.kind === "anonymous"
        ? `Set a master key (general_settings.master_key or LITELLM_MASTER_KEY) to manage ${what}.`
        : `Only the master key or an admin key (metadata.role "${ADMIN_ROLE}") may manage ${what}.`,
    errorCode: "admin_only",
  });
}

/**
 * Reading one's own entity (a virtual key asking about itself) needs no
 * admin; anyone else's does, with requireAdmin's answer.
 */
export function requireSelfOrAdmin(
  context: HandlerContext,
  isSelf: (principal: Principal) => boolean,
  what: string,
): void {
  if (isSelf(context.values.get(principalKey))) return;
  requireAdmin(context, what);
}

/**
 * A managed entity's repository, or UNAVAILABLE: the gateway runs without a
 * database (not retryable, since waiting will not bring one). `entity` is
 * singular ("key"), as the message reads.
 */
export function requireStore<Repository>(repository: Repository | undefined, entity: string): Repository {
  return configured(
    repository,
    `${entity} management needs a database, and this gateway runs without one`,
    "store_unavailable",
  );
}

/**
 * Awaited after a committed write, before answering, so this replica's own
 * next request sees the change (other replicas hear of it by NOTIFY). A
 * failed local refresh must not turn the write into an error: the NOTIFY
 * reaches this replica's mirror too, and retries it.
 */
export async function refreshAfterWrite<Ref>(
  refresh: ((ref: Ref) => Promise<void>) | undefined,
  ref: Ref,
): Promise<void> {
  await refresh?.(ref).catch(() => {});
}

/** The master key, or a virtual key whose metadata.role is "proxy_admin". */
export function isAdmin(principal: Principal): boolean {
  return principal.kind === "master" || (principal.kind === "virtual_key" && isAdminKey(principal.key));
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
