import type { Logger } from "../observability/logger.js";
import type { CredentialRecord, CredentialRepository } from "../store/credential-repository.js";
import { byId, errorMessage, StoredMirror } from "../store/stored-mirror.js";
import type { PlainCredential } from "./config-credentials.js";
import type { CredentialCipher } from "./encryption/credential-cipher.js";

/** What deployments read credentials from: a Map lookup per change, never a database read per request. */
export interface CredentialSource {
  /** Goes up on every change, so callers can cache what they derived from the values. */
  readonly version: number;
  /** False until the stored credentials were read once (true at once without a store). */
  readonly loaded: boolean;
  /** The credential's values in clear, a stored credential winning over a config one of the same name. */
  values(name: string): Readonly<Record<string, unknown>> | undefined;
}

/** Called after a reload: with the credential's name, or `undefined` when every credential was reloaded. */
export type CredentialsReloadedListener = (credentialName: string | undefined) => void;

export interface CredentialResolverOptions {
  /** The YAML's credential_list, values resolved. */
  readonly configCredentials: readonly PlainCredential[];
  /** Absent: only config credentials exist. */
  readonly repository?: Pick<CredentialRepository, "get" | "list" | "onCredentialsChanged">;
  readonly cipher?: Pick<CredentialCipher, "decryptValues">;
  /**
   * Run before every full reload (start, a rotation's NOTIFY, a reconnect):
   * brings the cipher up to the store's salt key, so the values read next open.
   */
  readonly syncSaltKey?: () => Promise<void>;
  readonly logger: Logger;
}

/**
 * Every credential's values in clear, in memory: config credentials from the
 * YAML and stored ones from the database (a StoredMirror), the stored one
 * winning on a name clash. A credential that does not decrypt is left out,
 * with a warning naming it (never a value); one that stops decrypting keeps
 * its last good values.
 */
export class CredentialResolver
  extends StoredMirror<string, CredentialRecord, Readonly<Record<string, unknown>>>
  implements CredentialSource
{
  readonly #config: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  readonly #logger: Logger;

  constructor({ configCredentials, repository, cipher, syncSaltKey, logger }: CredentialResolverOptions) {
    super({
      source: repository && {
        ...byId(repository, (onChange) => repository.onCredentialsChanged(onChange)),
        readSome: async (name) => {
          const record = await repository.get(name);
          if (record && !opens(cipher, record)) {
            // Written with a salt key rotated in since this gateway last synced (it missed that NOTIFY): learn it first.
            await syncSaltKey?.();
          }
          return record ? [record] : [];
        },
      },
      idsOf: (name) => [name],
      idOf: (record) => record.name,
      admit: (record, previous) => decrypted(record, previous, cipher, logger),
      beforeReadAll: syncSaltKey,
      entity: "credentials",
      logFields: (name) => ({ credential: name }),
      // The message of a store error names no host, key or value.
      describeError: errorMessage,
      logger,
    });
    this.#config = new Map(configCredentials.map((credential) => [credential.name, credential.values]));
    this.#logger = logger;
  }

  values(name: string): Readonly<Record<string, unknown>> | undefined {
    return this.get(name) ?? this.#config.get(name);
  }

  /**
   * Listens for changes, then reads every stored credential. Resolves once
   * they are loaded; while the database is unreachable it stays pending (the
   * listener waits for it), and config credentials serve meanwhile. Warns
   * about each of `expectedNames` (the models' litellm_credential_name) that
   * no credential has.
   */
  override async start(expectedNames: Iterable<string> = []): Promise<void> {
    await super.start();
    for (const name of new Set(expectedNames)) {
      if (this.values(name) === undefined) {
        this.#logger.warn(
          { credential: name },
          `credentials: no credential "${name}" (litellm_credential_name); calls to its models fail until it is created`,
        );
      }
    }
  }

  /** Told after every reload; returns the function that stops telling. */
  onReloaded(listener: CredentialsReloadedListener): () => void {
    return this.onChanged(listener);
  }
}

function opens(
  cipher: Pick<CredentialCipher, "decryptValues"> | undefined,
  record: CredentialRecord,
): boolean {
  try {
    cipher?.decryptValues(record.values, record.name);
    return true;
  } catch {
    return false;
  }
}

/** `previous`: what was held before the reload, kept if the new values do not open (never dropped mid-rotation). */
function decrypted(
  record: CredentialRecord,
  previous: Readonly<Record<string, unknown>> | undefined,
  cipher: Pick<CredentialCipher, "decryptValues"> | undefined,
  logger: Logger,
): Readonly<Record<string, unknown>> | undefined {
  if (!cipher) return undefined;
  try {
    return cipher.decryptValues(record.values, record.name);
  } catch (error) {
    // decryptValues' message names the credential and field, never the value or key.
    logger.warn(
      { credential: record.name, err: errorMessage(error) },
      "credentials: cannot decrypt a stored credential; models using it fail until it is fixed",
    );
    return previous;
  }
}
