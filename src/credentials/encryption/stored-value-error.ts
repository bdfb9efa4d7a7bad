/**
 * Why a stored value could not be opened, before the credential cipher names
 * the credential and field. Its `detail` never holds the value or a key.
 * - "key-mismatch": authentication failed: another key, or altered bytes
 *   (AEADs cannot tell the two apart).
 * - "malformed": not a ciphertext of the format its prefix claims.
 * - "unknown-format": a versioned prefix this code does not read.
 */
export type StoredValueFailure = "key-mismatch" | "malformed" | "unknown-format";

export class StoredValueError extends Error {
  readonly failure: StoredValueFailure;
  readonly detail: string;

  constructor(failure: StoredValueFailure, detail: string) {
    super(detail);
    this.name = "StoredValueError";
    this.failure = failure;
    this.detail = detail;
  }
}
