import type { Logger } from "../observability/logger.js";
import type { CredentialRepository } from "../store/credential-repository.js";
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
 * YAML and stored ones from the database, the stored one winning on a name
 * clash. Stored credentials are read at start and re-read when any replica
 * changes one (the repository's LISTEN/NOTIFY), so a change made through the
 * API reaches new requests on every replica without a restart. A credential
 * that does not decrypt is left out, with a warning naming it (never a value).
 */
export class CredentialResolver implements CredentialSource {
  readonly #config: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  readonly #stored = new Map<string, Readonly<Record<string, unknown>>>();
  readonly #options: CredentialResolverOptions;
  readonly #listeners = new Set<CredentialsReloadedListener>();
  #version = 0;
  #loaded: boolean;
  /** Reloads run one at a time, so an older read never overwrites a newer one. */
  #queue: Promise<void> = Promise.resolve();
  #unsubscribe: (() => Promise<void>) | undefined;
  #stopped = false;

  constructor(options: CredentialResolverOptions) {
    this.#options = options;
    this.#config = new Map(
      options.configCredentials.map((credential) => [credential.name, credential.values]),
    );
    this.#loaded = options.repository === undefined;
  }

  get version(): number {
    return this.#version;
  }

  get loaded(): boolean {
    return this.#loaded;
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
    const repository = this.#options.repository;
    if (repository) {
      const unsubscribe = await repository.onCredentialsChanged((name) => void this.reload(name));
      if (this.#stopped) {
        await unsubscribe();
        return;
      }
      this.#unsubscribe = unsubscribe;
      await this.reload(undefined);
    }
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
    const next = this.#queue.then(() => this.#reload(name));
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Told after every reload; returns the function that stops telling. */
  onReloaded(listener: CredentialsReloadedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#listeners.clear();
    await this.#unsubscribe?.().catch(() => {});
  }

  async #reload(name: string | undefined): Promise<void> {
    const { repository, logger } = this.#options;
    if (!repository || this.#stopped) return;
    try {
      if (name === undefined) {
        await this.#options.syncSaltKey?.();
        const records = await repository.list();
        const previous = new Map(this.#stored);
        this.#stored.clear();
        for (const record of records) this.#hold(record.name, record.values, previous.get(record.name));
        this.#loaded = true;
      } else {
        const record = await repository.get(name);
        const previous = this.#stored.get(name);
        this.#stored.delete(name);
        if (record && !this.#opens(record.name, record.values)) {
          // Written with a salt key rotated in since this gateway last synced (it missed that NOTIFY): learn it first.
          await this.#options.syncSaltKey?.();
        }
        if (record) this.#hold(record.name, record.values, previous);
      }
    } catch (error) {
      // The message of a store error names no host, key or value.
      logger.warn(
        { credential: name, err: error instanceof Error ? error.message : String(error) },
        "credentials: could not reload from the database; keeping what was loaded",
      );
      return;
    }
    this.#version++;
    for (const listener of this.#listeners) listener(name);
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
  #hold(name: string, stored: Record<string, string>, previous?: Readonly<Record<string, unknown>>): void {
    const cipher = this.#options.cipher;
    if (!cipher) return;
    try {
      this.#stored.set(name, cipher.decryptValues(stored, name));
    } catch (error) {
      if (previous) this.#stored.set(name, previous);
      // decryptValues' message names the credential and field, never the value or key.
      this.#options.logger.warn(
        { credential: name, err: error instanceof Error ? error.message : String(error) },
        "credentials: cannot decrypt a stored credential; models using it fail until it is fixed",
      );
    }
  }
}
