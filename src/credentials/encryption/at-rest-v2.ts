import { openAesGcm } from "./aes-gcm-envelope.js";
import type { SaltKey } from "./salt-key.js";
import { decodeStoredBase64 } from "./stored-base64.js";

/**
 * LiteLLM's previous at-rest format, read only: the v3 layout
 * (`"v2:gcm:" + base64url(nonce(12) ‖ ciphertext ‖ tag(16))`, no AAD) but the
 * AES key is a raw SHA-256 of the salt key. Verified in BerriAI/litellm
 * litellm/proxy/common_utils/encrypt_decrypt_utils.py (`_decrypt_aes_gcm`
 * picks `_derive_key_sha256` for this prefix) and the `_v2_ciphertext` helper
 * of its tests. The prefix, never the caller, picks the derivation.
 */
export const V2_PREFIX = "v2:gcm:";

/** `stored` includes the prefix. Throws StoredValueError. */
export function decryptAtRestV2(stored: string, key: SaltKey): string {
  const envelope = decodeStoredBase64(stored.slice(V2_PREFIX.length), V2_PREFIX);
  return openAesGcm(envelope, key.sha256Key, V2_PREFIX);
}
