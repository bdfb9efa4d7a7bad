import { Code } from "@connectrpc/connect";
import { GatewayError } from "../errors/gateway-error.js";
import type { Logger } from "../observability/logger.js";
import type { CredentialRepository, SaltKeyState } from "../store/credential-repository.js";
import type { ModelRepository } from "../store/model-repository.js";
import {
  type CredentialCipher,
  decryptValue,
  decryptValues,
  encryptValue,
  encryptValues,
} from "./encryption/credential-cipher.js";
import { SaltKey } from "./encryption/salt-key.js";

/** Description of a key learned from the store, for error messages. */
const LEARNED_KEY = "the rotated salt key (learned from the store)";

/**
 * Brings `cipher` up to the store's salt key after a rotation through the
 * API: the current key becomes the one the store records, learned — when the
 * gateway does not hold it — by opening the store's copy of it, which is
 * encrypted with the previous key. Keys already held stay, so values written
 * with the previous key still open. Warns (never with a key) when the store's
 * key cannot be learned: then this gateway reads what it already loaded but
 * its writes are refused.
 */
export function adoptStoreSaltKey(
  cipher: Pick<CredentialCipher, "keys" | "adopt" | "currentKeyId">,
  state: SaltKeyState,
  logger: Logger,
): void {
  const { keyId, wrappedKey } = state;
  if (keyId === undefined || cipher.currentKeyId() === keyId) return;
  const held = cipher.keys().find((key) => key.id === keyId);
  if (held) {
    cipher.adopt(held);
    return;
  }
  if (wrappedKey !== undefined) {
    try {
      const secret = decryptValue(wrappedKey, cipher.keys(), {
        credentialName: "salt key",
        field: "wrapped_key",
      });
      const learned = new SaltKey(secret, LEARNED_KEY);
      if (learned.id === keyId) {
        cipher.adopt(learned);
        logger.warn(
          "credentials: learned the rotated salt key from the store; set LITELLM_SALT_KEY to the new key " +
            "on every replica before the rotation is finished",
        );
        return;
      }
    } catch {
      // Falls through to the warning: the previous key is not one this gateway holds.
    }
  }
  logger.warn(
    "credentials: the stored credentials are encrypted with a salt key this gateway does not hold " +
      "(rotated through the API); set LITELLM_SALT_KEY to the current key",
  );
}

export interface SaltKeyRotation {
  /** The key the secrets are stored with now; must be the gateway's current key. */
  readonly oldSaltKey: string;
  readonly newSaltKey: string;
  /** Stored models, whose secrets are rewritten in the same transaction. */
  readonly models?: Pick<ModelRepository, "rewriteSecrets">;
}

/**
 * Re-encrypts every stored secret from the old salt key to the new one in
 * one transaction, and stores the new key encrypted with the old one, so that
 * every replica (which holds the old key) learns it when the NOTIFY of the
 * commit reaches it — each keeps the old key too, so nothing it holds stops
 * opening. An old key that is not the gateway's current one is refused
 * before the store is touched; one that does not open some stored value rolls
 * the whole rewrite back. Neither message holds a key or value. Resolves
 * with the number of credentials rewritten; `cipher` has the new key current.
 */
export async function rotateSaltKey(
  repository: Pick<CredentialRepository, "replaceAllValues">,
  cipher: Pick<CredentialCipher, "currentKey" | "adopt">,
  rotation: SaltKeyRotation,
): Promise<number> {
  const from = new SaltKey(rotation.oldSaltKey, "old_salt_key");
  const to = new SaltKey(rotation.newSaltKey, "new_salt_key");
  const current = cipher.currentKey("cannot rotate the salt key");
  if (from.id !== current.id) {
    throw new GatewayError({
      code: Code.FailedPrecondition,
      message:
        "old_salt_key is not the salt key the credentials are stored with (this gateway's " +
        `${current.description}); nothing was changed`,
      errorCode: "wrong_salt_key",
      param: "old_salt_key",
      retryable: false,
    });
  }
  const rewrite = (values: Record<string, string>, name: string) =>
    encryptValues(decryptValues(values, from, name), to);
  const rewritten = await repository.replaceAllValues(
    rewrite,
    { keyId: to.id, wrappedKey: encryptValue(rotation.newSaltKey, from) },
    rotation.models &&
      ((transaction) =>
        rotation.models!.rewriteSecrets(transaction, (secrets, id) => rewrite(secrets, `model ${id}`))),
  );
  cipher.adopt(to);
  return rewritten;
}

/**
 * Runs a write whose values `write` encrypts with the cipher's current key
 * (its fingerprint given, for the store to check); when a rotation committed
 * meanwhile on another replica, the store refuses it (salt_key_changed): the
 * cipher learns the new key through `syncSaltKey` and the write runs again.
 */
export async function writeWithCurrentKey<Result>(
  cipher: Pick<CredentialCipher, "currentKeyId">,
  syncSaltKey: (() => Promise<void>) | undefined,
  write: (keyId: string | undefined) => Promise<Result>,
): Promise<Result> {
  try {
    return await write(cipher.currentKeyId());
  } catch (error) {
    if (GatewayError.from(error).errorCode !== "salt_key_changed" || !syncSaltKey) throw error;
    await syncSaltKey();
    return write(cipher.currentKeyId());
  }
}
