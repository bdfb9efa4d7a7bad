import { createRequire } from "node:module";
import type Nacl from "tweetnacl";
import type { SaltKey } from "./salt-key.js";
import { decodeStoredBase64 } from "./stored-base64.js";
import { StoredValueError } from "./stored-value-error.js";

/** nacl.secretbox.nonceLength. */
const NONCE_BYTES = 24;
/** The nonce and the 16-byte Poly1305 tag (nacl.secretbox.overheadLength). */
const MINIMUM_BYTES = NONCE_BYTES + 16;
const FORMAT = "legacy secretbox";
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * LiteLLM's original at-rest format, read only: unprefixed
 * `base64(nonce(24) ‖ tag(16) ‖ ciphertext)`, XSalsa20-Poly1305 (NaCl
 * secretbox) under a raw SHA-256 of the salt key. Verified in BerriAI/litellm
 * litellm/proxy/common_utils/encrypt_decrypt_utils.py: `encrypt_value` is
 * PyNaCl's `SecretBox(sha256(key)).encrypt(...)`, whose output is nonce then
 * libsodium's `crypto_secretbox_easy` box (tag first); older releases wrapped
 * it in standard base64 (`b64encode`), current ones in padded urlsafe base64,
 * and `_legacy_ciphertext_bytes` reads both — so do we. An empty stored string
 * reads as "", as LiteLLM's `decrypt_value` reads it (it holds no secret to
 * lose); anything else shorter than 40 bytes is not a secretbox.
 */
export function decryptLegacySecretbox(stored: string, key: SaltKey): string {
  if (stored === "") return "";
  const bytes = decodeStoredBase64(stored, FORMAT);
  if (bytes.length < MINIMUM_BYTES) {
    throw new StoredValueError(
      "malformed",
      `the stored value is not a valid ${FORMAT} ciphertext (too short)`,
    );
  }
  const opened = tweetnacl().secretbox.open(
    bytes.subarray(NONCE_BYTES),
    bytes.subarray(0, NONCE_BYTES),
    key.sha256Key,
  );
  if (opened === null) throw new StoredValueError("key-mismatch", `${FORMAT} authentication failed`);
  try {
    return utf8.decode(opened);
  } catch {
    throw new StoredValueError("malformed", `the stored ${FORMAT} value does not hold UTF-8 text`);
  }
}

const require = createRequire(import.meta.url);
let nacl: typeof Nacl | undefined;

/**
 * tweetnacl, loaded on first use: only stores holding values LiteLLM wrote
 * in its oldest format need it, and loaded it is ~0.5 MiB of heap for good.
 * Synchronously, as decryption is; the package is CommonJS.
 */
function tweetnacl(): typeof Nacl {
  nacl ??= require("tweetnacl") as typeof Nacl;
  return nacl;
}
