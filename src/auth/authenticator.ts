import { hash, timingSafeEqual } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { GatewayError } from "../errors/gateway-error.js";
import type { KeyLookup, VirtualKey } from "../keys/virtual-key.js";

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

/** Where the authenticator finds virtual keys: in memory, never the database. */
export interface AuthKeys extends KeyLookup {
  /** False until the stored keys were read once; unknown keys meanwhile get a 503, not a 401. */
  readonly loaded: boolean;
}

export interface AuthenticatorOptions {
  /** The virtual keys; absent: only the master key is known. */
  readonly keys?: AuthKeys;
  /** The clock expiry is checked against, ms since the epoch; default Date.now (tests move it). */
  readonly now?: () => number;
}

/**
 * Checks the caller's key: the master key first (one SHA-256 and a
 * constant-time compare, as before virtual keys existed), then, only when
 * that fails, the same digest in hex as a virtual key's token id, looked up
 * in memory. Blocked and expired keys are refused with a message saying so.
 *
 * With no master key configured the gateway is open, as LiteLLM's proxy is:
 * any key, or none, is let in. A known virtual key is still recognised there
 * (and refused when blocked or expired), so its limits and spend apply to
 * the callers that present it.
 */
export class Authenticator {
  readonly #masterDigest: Buffer | undefined;
  readonly #keys: AuthKeys | undefined;
  readonly #now: () => number;

  constructor(masterKey: string | undefined, options: AuthenticatorOptions = {}) {
    this.#masterDigest = masterKey ? digest(masterKey) : undefined;
    this.#keys = options.keys;
    this.#now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.#masterDigest !== undefined;
  }

  /** Whether `key` is the master key (for refusing it as a virtual key's value). */
  isMasterKey(key: string): boolean {
    return this.#masterDigest !== undefined && timingSafeEqual(digest(key), this.#masterDigest);
  }

  /** The caller `authenticate` would find, or undefined where it would refuse the key. */
  principalOrUndefined(key: string | undefined): Principal | undefined {
    try {
      return this.authenticate(key);
    } catch {
      return undefined;
    }
  }

  /** @param key the bearer token or x-api-key value, undefined when absent. */
  authenticate(key: string | undefined): Principal {
    if (!this.#masterDigest) {
      if (!key || !this.#keys) return ANONYMOUS;
      const found = this.#keys.get(digest(key).toString("hex"));
      return found ? this.#virtualKey(found) : ANONYMOUS;
    }
    if (!key) {
      throw new GatewayError({
        code: Code.Unauthenticated,
        message: "No API key provided. Send it as 'Authorization: Bearer <key>'.",
        errorCode: "missing_api_key",
      });
    }
    // Comparing fixed-length digests keeps the check constant-time whatever the key's length.
    const keyDigest = digest(key);
    if (timingSafeEqual(keyDigest, this.#masterDigest)) return MASTER;
    // The digest is the token id: a virtual key costs one hex encoding and a Map lookup more.
    const found = this.#keys?.get(keyDigest.toString("hex"));
    if (found) return this.#virtualKey(found);
    if (this.#keys && !this.#keys.loaded) {
      throw new GatewayError({
        code: Code.Unavailable,
        message: "Virtual keys are still loading from the database; try again shortly.",
        errorCode: "keys_loading",
      });
    }
    throw new GatewayError({
      code: Code.Unauthenticated,
      message: "Invalid API key.",
      errorCode: "invalid_api_key",
    });
  }

  #virtualKey(key: VirtualKey): Principal {
    // LiteLLM's wording, which clients and dashboards match on.
    if (key.blocked) {
      throw new GatewayError({
        code: Code.Unauthenticated,
        message: "Authentication Error, Key is blocked. Update via `/key/unblock` if you're an admin.",
        errorCode: "key_blocked",
      });
    }
    if (key.expiresAt !== undefined) {
      const now = this.#now();
      if (key.expiresAt.getTime() <= now) {
        throw new GatewayError({
          code: Code.Unauthenticated,
          message: `Authentication Error - Expired Key. Key Expiry time ${key.expiresAt.toISOString()} and current time ${new Date(now).toISOString()}`,
          errorCode: "key_expired",
        });
      }
    }
    return { kind: "virtual_key", key };
  }
}

/** One-shot: a third cheaper than a Hash object per call. */
function digest(value: string): Buffer {
  return hash("sha256", value, "buffer");
}
