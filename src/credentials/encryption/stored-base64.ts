import { StoredValueError } from "./stored-value-error.js";

/** Both alphabets, optional padding: LiteLLM wrote standard base64 before it switched to urlsafe. */
const base64Text = /^[A-Za-z0-9+/_-]*={0,2}$/;
const padding = /=+$/;

/**
 * base64url *with* `=` padding, as Python's `base64.urlsafe_b64encode` writes
 * it. LiteLLM reads with `urlsafe_b64decode`, which rejects unpadded input, so
 * Node's unpadded "base64url" alone would write values LiteLLM cannot read.
 */
export function encodeStoredBase64(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
  return text + "==".slice(0, (4 - (text.length % 4)) % 4);
}

/**
 * Decodes either alphabet, padded or not. Throws a "malformed" StoredValueError
 * for text that is not base64 at all (Node's decoder would silently skip the
 * stray characters).
 */
export function decodeStoredBase64(text: string, format: string): Buffer {
  if (!base64Text.test(text) || text.replace(padding, "").length % 4 === 1) {
    throw new StoredValueError(
      "malformed",
      `the stored value is not a valid ${format} ciphertext (not base64)`,
    );
  }
  return Buffer.from(text, "base64");
}
