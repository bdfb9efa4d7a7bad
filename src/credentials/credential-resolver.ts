import type { Logger } from "../observability/logger.js";
import type { CredentialRecord, CredentialRepository } from "../store/credential-repository.js";
import { errorMessage, StoredMirror } from "../store/stored-mirror.js";
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
export class CredentialResolver implements CredentialSource {
  readonly #config: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  readonly #options: CredentialResolverOptions;
  readonly #stored: StoredMirror<string, CredentialRecord, Readonly<Record<string, unknown>>>;

  constructor(options: CredentialResolverOptions) {
    this.#options = options;
    this.#config = new Map(
      options.configCredentials.map((credential) => [credential.name, credential.values]),
    );
    const { repository, logger } = options;
    this.#stored = new StoredMirror({
      source: repository && {
        listen: (onChange) => repository.onCredentialsChanged(onChange),
        readAll: () => repository.list(),
        readSome: async (name) => {
          const record = await repository.get(name);
          if (record && !this.#opens(record.name, record.values)) {
            // Written with a salt key rotated in since this gateway last synced (it missed that NOTIFY): learn it first.
            await options.syncSaltKey?.();
          }
          return record ? [record] : [];
        },
      },
      idsOf: (name) => [name],
      idOf: (record) => record.name,
      admit: (record, previous) => this.#decrypt(record.name, record.values, previous),
      beforeReadAll: options.syncSaltKey,
      entity: "credentials",
      logFields: (name) => ({ credential: name }),
      // The message of a store error names no host, key or value.
      describeError: errorMessage,
      logger,
    });
  }

  get version(): number {
    return this.#stored.version;
  }

  get loaded(): boolean {
    return this.#stored.loaded;
  }

  values(name: string): Readonly<Record<string, unknown>> | undefined {
    return this.#stored.get(name) ?? this.#config.get(name);
  }

  /**
   * Listens for changes, then reads every stored credential. Resolves once
   * they are loaded; while the database is unreachable it stays pending (the
   * listener waits for it), and config credentials serve meanwhile. Warns
   * about each of `expectedNames` (the models' litellm_credential_name) that
   * no credential has.
   */
  async start(expectedNames: Iterable<string> = []): Promise<void> {
    await this.#stored.start();
    for (const name of new Set(expectedNames)) {
      if (this.values(name) === undefined) {
        this.#options.logger.warn(
          { credential: name },
          `credentials: no credential "${name}" (litellm_credential_name); calls to its models fail until it is created`,
        );
      }
    }
  }

  /** Re-reads one stored credential, or all of them (`undefined`). Failures keep what was held and warn. */
  reload(name: string | undefined): Promise<void> {
    return this.#stored.reload(name);
  }

  /** Told after every reload; returns the function that stops telling. */
  onReloaded(listener: CredentialsReloadedListener): () => void {
    return this.#stored.onChanged(listener);
  }

  stop(): Promise<void> {
    return this.#stored.stop();
  }

  #opens(name: string, stored: Record<string, string>): boolean {
    try {
      this.#options.cipher?.decryptValues(stored, name);
      return true;
    } catch {
      return false;
    }
  }

  /** `previous`: what was held before the reload, kept if the new values do not open (never dropped mid-rotation). */
  #decrypt(
    name: string,
    stored: Record<string, string>,
    previous: Readonly<Record<string, unknown>> | undefined,
  ): Readonly<Record<string, unknown>> | undefined {
    const cipher = this.#options.cipher;
    if (!cipher) return undefined;
    try {
      return cipher.decryptValues(stored, name);
    } catch (error) {
      // decryptValues' message names the credential and field, never the value or key.
      this.#options.logger.warn(
        { credential: name, err: errorMessage(error) },
        "credentials: cannot decrypt a stored credential; models using it fail until it is fixed",
      );
      return previous;
    }
  }
}
