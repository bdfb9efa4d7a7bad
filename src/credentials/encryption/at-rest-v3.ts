import { openAesGcm, sealAesGcm } from "./aes-gcm-envelope.js";
import type { SaltKey } from "./salt-key.js";
import { decodeStoredBase64, encodeStoredBase64 } from "./stored-base64.js";

/**
 * LiteLLM's current at-rest format, and the one Switchyard writes:
 * `"v3:gcm:" + base64url(nonce(12) ‖ ciphertext ‖ tag(16))` with `=` padding,
 * AES-256-GCM under HKDF-SHA256(salt key) (see salt-key.ts). Verified in
 * BerriAI/litellm litellm/proxy/common_utils/encrypt_decrypt_utils.py
 * (`_V3_GCM_PREFIX`, `_encrypt_aes_gcm`: `urlsafe_b64encode(nonce + blob)`).
 */
export const V3_PREFIX = "v3:gcm:";

export function encryptAtRestV3(plain: string, key: SaltKey): string {
  return V3_PREFIX + encodeStoredBase64(sealAesGcm(plain, key.v3Key));
}

/** `stored` includes the prefix. Throws StoredValueError. */
export function decryptAtRestV3(stored: string, key: SaltKey): string {
  const envelope = decodeStoredBase64(stored.slice(V3_PREFIX.length), V3_PREFIX);
  return openAesGcm(envelope, key.v3Key, V3_PREFIX);
}
