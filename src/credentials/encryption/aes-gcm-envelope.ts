import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { StoredValueError } from "./stored-value-error.js";

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The byte layout of LiteLLM's `v2:gcm:` and `v3:gcm:` bodies, verified in
 * BerriAI/litellm litellm/proxy/common_utils/encrypt_decrypt_utils.py
 * (`_encrypt_aes_gcm`/`_decrypt_aes_gcm`): `nonce(12) ‖ ciphertext ‖ tag(16)`
 * — pyca's `AESGCM.encrypt` returns ciphertext ‖ tag — with no associated
 * data (`None`), and a fresh random nonce per value.
 */
export function sealAesGcm(plain: string, key: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
  const ciphertext = cipher.update(plain, "utf8");
  const final = cipher.final();
  return Buffer.concat([nonce, ciphertext, final, cipher.getAuthTag()]);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Opens `nonce ‖ ciphertext ‖ tag`; throws StoredValueError, never a crypto error that could carry data. */
export function openAesGcm(envelope: Buffer, key: Buffer, format: string): string {
  // Even an empty plaintext is nonce + tag = 28 bytes.
  if (envelope.length < NONCE_BYTES + TAG_BYTES) {
    throw new StoredValueError(
      "malformed",
      `the stored value is not a valid ${format} ciphertext (too short)`,
    );
  }
  const nonce = envelope.subarray(0, NONCE_BYTES);
  const tag = envelope.subarray(envelope.length - TAG_BYTES);
  const ciphertext = envelope.subarray(NONCE_BYTES, envelope.length - TAG_BYTES);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new StoredValueError("key-mismatch", `${format} authentication failed`);
  }
  try {
    return utf8.decode(plain);
  } catch {
    throw new StoredValueError("malformed", `the stored ${format} value does not hold UTF-8 text`);
  }
}
