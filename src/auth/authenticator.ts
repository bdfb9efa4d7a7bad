import { createHash, timingSafeEqual } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { GatewayError } from "../errors/gateway-error.js";
import type { VirtualKey } from "../keys/virtual-key.js";

/**
 * Who is calling: the master key, a virtual key (limited to its models,
 * budget and rate limits), or anyone when no master key is configured.
 */
export type Principal =
  | { readonly kind: "master" }
  | { readonly kind: "anonymous" }
  | { readonly kind: "virtual_key"; readonly key: VirtualKey };

const MASTER: Principal = { kind: "master" };
const ANONYMOUS: Principal = { kind: "anonymous" };

/**
 * Checks the caller's key against the master key. With no master key
 * configured the gateway is open, as LiteLLM's proxy is.
 */
export class Authenticator {
  readonly #masterDigest: Buffer | undefined;

  constructor(masterKey: string | undefined) {
    this.#masterDigest = masterKey ? digest(masterKey) : undefined;
  }

  get enabled(): boolean {
    return this.#masterDigest !== undefined;
  }

  /** @param key the bearer token or x-api-key value, undefined when absent. */
  authenticate(key: string | undefined): Principal {
    if (!this.#masterDigest) return ANONYMOUS;
    if (!key) {
      throw new GatewayError({
        code: Code.Unauthenticated,
        message: "No API key provided. Send it as 'Authorization: Bearer <key>'.",
        errorCode: "missing_api_key",
      });
    }
    // Comparing fixed-length digests keeps the check constant-time whatever the key's length.
    if (!timingSafeEqual(digest(key), this.#masterDigest)) {
      throw new GatewayError({
        code: Code.Unauthenticated,
        message: "Invalid API key.",
        errorCode: "invalid_api_key",
      });
    }
    return MASTER;
  }
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(authorization: string | null | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
  return match ? match[1] : authorization.trim() || undefined;
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}
