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
 * (v3:gcm:, v2:gcm:, unprefixed secretbox). Throws a GatewayError naming the
 * credential and field — FailedPrecondition for a key that does not fit or a
 * format too new, Internal for a value that is not a ciphertext — whose
 * message never holds the value or the key. Never answers "" for a value it
 * could not open.
 */
export function decryptValue(stored: string, key: SaltKey, context: DecryptContext): string {
  try {
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
  } catch (error) {
    if (!(error instanceof StoredValueError)) throw error;
    throw decryptError(context, describeFailure(error, key), error.failure === "malformed");
  }
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
  key: SaltKey,
  credentialName: string,
): Values {
  const decrypted: CredentialValues = {};
  for (const [field, value] of Object.entries(values)) {
    decrypted[field] =
      typeof value === "string" ? decryptValue(value, key, { credentialName, field }) : value;
  }
  return decrypted as Values;
}

/** The four operations above with the gateway's salt key bound. */
export interface CredentialCipher {
  encryptValue(plain: string): string;
  decryptValue(stored: string, context: DecryptContext): string;
  encryptValues<Values extends CredentialValues>(values: Readonly<Values>): Values;
  decryptValues<Values extends CredentialValues>(values: Readonly<Values>, credentialName: string): Values;
}

/**
 * Binds a salt key. Given options, the key is resolved (LITELLM_SALT_KEY, else
 * the master key with one warning) on first use and kept; with neither set,
 * every call throws FailedPrecondition naming what it could not do, so one
 * unreadable credential fails that credential, not the gateway's start-up.
 */
export function createCredentialCipher(source: SaltKey | SaltKeyOptions): CredentialCipher {
  let resolved = source instanceof SaltKey ? source : undefined;
  let pending = source instanceof SaltKey ? undefined : source;
  const key = (action: string): SaltKey => {
    if (pending) {
      resolved = resolveSaltKey(pending);
      pending = undefined;
    }
    if (resolved) return resolved;
    throw new GatewayError({
      code: Code.FailedPrecondition,
      message: `${action} — neither LITELLM_SALT_KEY nor a master key is set`,
      retryable: false,
    });
  };
  return {
    encryptValue: (plain) => encryptValue(plain, key("cannot encrypt a credential value")),
    decryptValue: (stored, context) => decryptValue(stored, key(cannotDecrypt(context)), context),
    encryptValues: (values) => encryptValues(values, key("cannot encrypt credential values")),
    decryptValues: (values, credentialName) =>
      decryptValues(
        values,
        key(`credential ${JSON.stringify(credentialName)}: cannot decrypt`),
        credentialName,
      ),
  };
}

function cannotDecrypt(context: DecryptContext): string {
  return `credential ${JSON.stringify(context.credentialName)}: cannot decrypt ${JSON.stringify(context.field)}`;
}

function describeFailure(error: StoredValueError, key: SaltKey): string {
  if (error.failure !== "key-mismatch") return error.detail;
  return `${key.description} does not match the key it was stored with (or the stored value was altered)`;
}

function decryptError(context: DecryptContext, reason: string, internal: boolean): GatewayError {
  return new GatewayError({
    code: internal ? Code.Internal : Code.FailedPrecondition,
    message: `${cannotDecrypt(context)} — ${reason}`,
    retryable: false,
  });
}
