import { createHash, hkdfSync } from "node:crypto";
import { inspect } from "node:util";
import { Code } from "@connectrpc/connect";
import { GatewayError } from "../../errors/gateway-error.js";

/**
 * HKDF "info" of LiteLLM's v3 values. Verified against BerriAI/litellm
 * litellm/proxy/common_utils/encrypt_decrypt_utils.py (`_HKDF_INFO`,
 * `_derive_key_hkdf`: HKDF(SHA256, length=32, salt=None, info=…) over the
 * UTF-8 bytes of the salt key) and the `_hkdf_key` helper of its test suite.
 */
const V3_HKDF_INFO = "litellm-at-rest-v3";
/**
 * pyca/cryptography's HKDF with salt=None uses HashLen zero bytes, as RFC 5869
 * §2.2 says; spelled out here rather than relying on Node treating an empty
 * salt the same way (it does, since HMAC zero-pads its key).
 */
const V3_HKDF_SALT = Buffer.alloc(32);
const KEY_BYTES = 32;
/** Domain separation for the key's public fingerprint: never the same bytes as an encryption key. */
const KEY_ID_INFO = "switchyard-salt-key-id";

/**
 * The secret that credential values are encrypted with, held only as the two
 * 32-byte keys derived from it (both derived once, not per value). It never
 * renders: JSON, util.inspect and pino see only `description`.
 */
export class SaltKey {
  /** Where the key came from, for error messages, e.g. "LITELLM_SALT_KEY". Never the key itself. */
  readonly description: string;
  readonly #v3Key: Buffer;
  readonly #sha256Key: Buffer;
  /**
   * A public fingerprint that tells keys apart (stored next to the secrets
   * after an API rotation), derived one-way so it reveals nothing a
   * ciphertext does not already.
   */
  readonly id: string;

  /** Throws FailedPrecondition for an empty secret: it would encrypt with a publicly known key. */
  constructor(secret: string, description: string) {
    if (secret === "") {
      throw new GatewayError({
        code: Code.FailedPrecondition,
        message: `${description} is empty`,
        retryable: false,
      });
    }
    this.description = description;
    const secretBytes = Buffer.from(secret, "utf8");
    this.#v3Key = Buffer.from(hkdfSync("sha256", secretBytes, V3_HKDF_SALT, V3_HKDF_INFO, KEY_BYTES));
    // LiteLLM's `_derive_key_sha256`: one unsalted SHA-256 of the UTF-8 salt
    // key, shared by v2:gcm: values and the unprefixed secretbox ones.
    this.#sha256Key = createHash("sha256").update(secretBytes).digest();
    this.id = Buffer.from(hkdfSync("sha256", this.#v3Key, V3_HKDF_SALT, KEY_ID_INFO, 12)).toString("hex");
  }

  /** AES-256 key of `v3:gcm:` values (HKDF-SHA256). */
  get v3Key(): Buffer {
    return this.#v3Key;
  }

  /** Key of `v2:gcm:` and legacy secretbox values (SHA-256). */
  get sha256Key(): Buffer {
    return this.#sha256Key;
  }

  toJSON(): string {
    return `[salt key: ${this.description}]`;
  }

  [inspect.custom](): string {
    return this.toJSON();
  }
}

export interface SaltKeyOptions {
  /** Read for LITELLM_SALT_KEY. */
  env: Readonly<Record<string, string | undefined>>;
  /** The gateway's master key, the fallback when LITELLM_SALT_KEY is not set. */
  masterKey?: string | undefined;
  /** Told (without the key) when the master key stands in for LITELLM_SALT_KEY. */
  warn?: (message: string) => void;
}

export const MASTER_KEY_FALLBACK_WARNING =
  "LITELLM_SALT_KEY is not set: stored credentials are encrypted with the master key, so changing the " +
  "master key makes them unreadable. Set LITELLM_SALT_KEY to the master key's current value, or move to a " +
  "new salt key with `switchyard credentials rotate-key --from <old> --to <new>`.";

/**
 * LiteLLM's rule (`_get_salt_key`): LITELLM_SALT_KEY, else the master key.
 * Unlike LiteLLM, the fallback warns, and an empty LITELLM_SALT_KEY counts as
 * unset (compose files often declare `LITELLM_SALT_KEY=`). Returns undefined
 * when there is neither, so that callers can say which credential that stops.
 */
export function resolveSaltKey(options: SaltKeyOptions): SaltKey | undefined {
  const saltKey = options.env.LITELLM_SALT_KEY;
  if (saltKey) return new SaltKey(saltKey, "LITELLM_SALT_KEY");
  if (!options.masterKey) return undefined;
  options.warn?.(MASTER_KEY_FALLBACK_WARNING);
  return new SaltKey(options.masterKey, "the master key (LITELLM_SALT_KEY is not set)");
}
