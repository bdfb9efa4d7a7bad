import { Code } from "@connectrpc/connect";
import { GatewayError } from "../../errors/gateway-error.js";
import { decryptAtRestV2, V2_PREFIX } from "./at-rest-v2.js";
import { decryptAtRestV3, encryptAtRestV3, V3_PREFIX } from "./at-rest-v3.js";
import { resolveSaltKey, SaltKey, type SaltKeyOptions } from "./salt-key.js";
import { decryptLegacySecretbox } from "./secretbox-legacy.js";
import { StoredValueError } from "./stored-value-error.js";

/** A credential's values as stored: strings are encrypted, anything else (numbers, booleans) is kept as is, as LiteLLM does. */
export type CredentialValues = Record<string, unknown>;

/** Names what was being decrypted, for the error message. */
export interface DecryptContext {
  /** The credential's name, e.g. "openai-prod". */
  credentialName: string;
  /** The field within it, e.g. "api_key". */
  field: string;
}

/** Any versioned prefix, e.g. a future "v4:gcm:"; ":" never occurs in base64, so legacy values never match. */
const versionedPrefix = /^v\d+:[a-z0-9-]*:/;

/** Encrypts one value in LiteLLM's current format, `v3:gcm:…`. */
export function encryptValue(plain: string, key: SaltKey): string {
  return encryptAtRestV3(plain, key);
}

/**
 * Decrypts one stored value, whichever of LiteLLM's three formats it is in
 * (v3:gcm:, v2:gcm:, unprefixed secretbox), with the first of `keys` that
 * opens it (several during a salt-key rotation). Throws a GatewayError naming
 * the credential and field — FailedPrecondition for a key that does not fit
 * or a format too new, Internal for a value that is not a ciphertext — whose
 * message never holds the value or the key. Never answers "" for a value it
 * could not open.
 */
export function decryptValue(
  stored: string,
  keys: SaltKey | readonly SaltKey[],
  context: DecryptContext,
): string {
  const candidates = keys instanceof SaltKey ? [keys] : keys;
  let mismatch: StoredValueError | undefined;
  for (const key of candidates) {
    try {
      return openValue(stored, key);
    } catch (error) {
      if (!(error instanceof StoredValueError)) throw error;
      if (error.failure !== "key-mismatch") {
        throw decryptError(context, error.detail, error.failure === "malformed");
      }
      mismatch = error;
    }
  }
  const first = candidates[0];
  const who =
    candidates.length > 1
      ? "none of the salt keys this gateway holds matches"
      : `${first?.description} does not match`;
  const reason = mismatch
    ? `${who} the key it was stored with (or the stored value was altered)`
    : "no salt key";
  throw decryptError(context, reason, false);
}

/** Throws StoredValueError. */
function openValue(stored: string, key: SaltKey): string {
  if (stored.startsWith(V3_PREFIX)) return decryptAtRestV3(stored, key);
  if (stored.startsWith(V2_PREFIX)) return decryptAtRestV2(stored, key);
  const version = versionedPrefix.exec(stored);
  if (version) {
    throw new StoredValueError(
      "unknown-format",
      `the stored value is in format "${version[0]}", which this version of Switchyard cannot read`,
    );
  }
  return decryptLegacySecretbox(stored, key);
}

/** Encrypts every string value; other values pass through, so the shape of `values` is kept. */
export function encryptValues<Values extends CredentialValues>(
  values: Readonly<Values>,
  key: SaltKey,
): Values {
  const encrypted: CredentialValues = {};
  for (const [field, value] of Object.entries(values)) {
    encrypted[field] = typeof value === "string" ? encryptValue(value, key) : value;
  }
  return encrypted as Values;
}

/** Decrypts every string value; throws on the first that fails, naming it. */
export function decryptValues<Values extends CredentialValues>(
  values: Readonly<Values>,
  key: SaltKey | readonly SaltKey[],
  credentialName: string,
): Values {
  const decrypted: CredentialValues = {};
  for (const [field, value] of Object.entries(values)) {
    decrypted[field] =
      typeof value === "string" ? decryptValue(value, key, { credentialName, field }) : value;
  }
  return decrypted as Values;
}

/**
 * The four operations above with the gateway's salt keys bound: values are
 * encrypted with the current key and decrypted with any key the gateway
 * holds. It holds more than one after a salt-key rotation (`adopt`): the new
 * key becomes current and the old one still opens what was written with it.
 */
export interface CredentialCipher {
  encryptValue(plain: string): string;
  decryptValue(stored: string, context: DecryptContext): string;
  encryptValues<Values extends CredentialValues>(values: Readonly<Values>): Values;
  decryptValues<Values extends CredentialValues>(values: Readonly<Values>, credentialName: string): Values;
  /** The current key; throws FailedPrecondition when there is none, saying what `action` could not do. */
  currentKey(action: string): SaltKey;
  /** The current key's fingerprint; undefined when there is no key. */
  currentKeyId(): string | undefined;
  /** Every key held, current first. */
  keys(): readonly SaltKey[];
  /** Makes `key` current, keeping the others for decryption. */
  adopt(key: SaltKey): void;
}

/**
 * Binds a salt key. Given options, the key is resolved (LITELLM_SALT_KEY, else
 * the master key with one warning) on first use and kept; with neither set,
 * every call throws FailedPrecondition naming what it could not do, so one
 * unreadable credential fails that credential, not the gateway's start-up.
 */
export function createCredentialCipher(source: SaltKey | SaltKeyOptions): CredentialCipher {
  let held: SaltKey[] = source instanceof SaltKey ? [source] : [];
  let pending = source instanceof SaltKey ? undefined : source;
  const all = (): SaltKey[] => {
    if (pending) {
      const resolved = resolveSaltKey(pending);
      pending = undefined;
      if (resolved) held = [...held, resolved];
    }
    return held;
  };
  const key = (action: string): SaltKey => {
    const current = all()[0];
    if (current) return current;
    throw new GatewayError({
      code: Code.FailedPrecondition,
      message: `${action} — neither LITELLM_SALT_KEY nor a master key is set`,
      retryable: false,
    });
  };
  const keysFor = (action: string): readonly SaltKey[] => {
    key(action);
    return held;
  };
  return {
    encryptValue: (plain) => encryptValue(plain, key("cannot encrypt a credential value")),
    decryptValue: (stored, context) => decryptValue(stored, keysFor(cannotDecrypt(context)), context),
    encryptValues: (values) => encryptValues(values, key("cannot encrypt credential values")),
    decryptValues: (values, credentialName) =>
      decryptValues(
        values,
        keysFor(`credential ${JSON.stringify(credentialName)}: cannot decrypt`),
        credentialName,
      ),
    currentKey: key,
    currentKeyId: () => all()[0]?.id,
    keys: () => all(),
    adopt(adopted) {
      held = [adopted, ...all().filter((other) => other.id !== adopted.id)];
    },
  };
}

function cannotDecrypt(context: DecryptContext): string {
  return `credential ${JSON.stringify(context.credentialName)}: cannot decrypt ${JSON.stringify(context.field)}`;
}

function decryptError(context: DecryptContext, reason: string, internal: boolean): GatewayError {
  return new GatewayError({
    code: internal ? Code.Internal : Code.FailedPrecondition,
    message: `${cannotDecrypt(context)} — ${reason}`,
    retryable: false,
  });
}
