import { decryptValues, encryptValues } from "./encryption/credential-cipher.js";
import { SaltKey } from "./encryption/salt-key.js";

/** A credential's stored values: field name → encrypted string. */
export type StoredValues = Record<string, string>;

/** One stored credential, for rotating a list held in memory. */
export interface StoredCredential {
  readonly name: string;
  readonly values: Readonly<StoredValues>;
}

/** Maps one credential's stored values to the values to store in their place. Throwing must abort the whole rewrite. */
export type CredentialValuesMapper = (values: Readonly<StoredValues>, credentialName: string) => StoredValues;

/**
 * What rotation needs from the store; src/store's CredentialRepository is
 * one. Contract: `replaceAllValues` calls `map` for every stored credential
 * inside one transaction and commits only if every call returned; if one
 * throws, it rolls back, leaving every stored value as it was, and rethrows.
 * Resolves to the number of credentials rewritten.
 */
export interface CredentialValuesRewriter {
  replaceAllValues(
    map: CredentialValuesMapper,
    keyState?: { keyId?: string; wrappedKey?: string },
  ): Promise<number>;
}

export interface KeyRotationOptions {
  /** The salt key the values are stored with now. */
  from: string;
  /** The salt key to store them with. */
  to: string;
}

/**
 * The per-credential step of a key rotation: decrypt every value with `from`,
 * whichever of LiteLLM's three formats it is in, and encrypt it with `to` as
 * `v3:gcm:`. Rotating with from = to is how a store moves v2/legacy values to
 * v3. Throws the decrypt error (naming credential and field, never a key or
 * value) for a value `from` cannot open. Keys are derived once, here.
 */
export function keyRotationMapper(options: KeyRotationOptions): CredentialValuesMapper {
  const from = new SaltKey(options.from, "the old key (--from)");
  const to = new SaltKey(options.to, "the new key (--to)");
  return (values, credentialName) => encryptValues(decryptValues(values, from, credentialName), to);
}

/**
 * Rotates a list held in memory: every credential is re-encrypted before any
 * is returned, so a failure returns nothing.
 */
export function rotateCredentials(
  credentials: readonly StoredCredential[],
  options: KeyRotationOptions,
): StoredCredential[] {
  const map = keyRotationMapper(options);
  return credentials.map((credential) => ({
    name: credential.name,
    values: map(credential.values, credential.name),
  }));
}

/**
 * Re-encrypts every stored value from `from` to `to` in one store
 * transaction; failing or interrupted, it leaves the old values intact (see
 * CredentialValuesRewriter). Resolves to the number of credentials rewritten.
 */
export async function rotateKey(
  repository: CredentialValuesRewriter,
  options: KeyRotationOptions,
): Promise<number> {
  // Built before the transaction opens, so an empty key fails without touching the store.
  const map = keyRotationMapper(options);
  // Recorded so that replicas started later with a stale key refuse to write with it.
  return repository.replaceAllValues(map, { keyId: new SaltKey(options.to, "the new key (--to)").id });
}
