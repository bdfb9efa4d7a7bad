import type { DeploymentConfig } from "../config/config-types.js";
import type { CredentialCipher } from "../credentials/encryption/credential-cipher.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { Logger } from "../observability/logger.js";
import type { ModelRecord, ModelRepository } from "../store/model-repository.js";

/** A stored deployment, decrypted and checked: ready to build into the router. */
export interface StoredModel {
  /** The deployment as a model_list entry (secrets in clear, `os.environ/` resolved). */
  readonly config: DeploymentConfig;
  readonly createdAt: Date;
  /** Changes on every write: what tells a rebuilt router whether the deployment changed. */
  readonly updatedAt: Date;
}

/** Called after a reload: with the model's id, or `undefined` when every stored model was reloaded. */
export type ModelsReloadedListener = (modelId: string | undefined) => void;

export interface StoredModelsOptions {
  /** Absent: only config models exist. */
  readonly repository?: Pick<ModelRepository, "get" | "list" | "onModelsChanged">;
  readonly cipher: Pick<CredentialCipher, "decryptValues">;
  /** Checks a row's deployment (params in clear) as a model_list entry; answers its problems otherwise. */
  readonly check: (record: ModelRecord, params: Record<string, unknown>) => DeploymentConfig | string[];
  /**
   * Run before every full reload (start, a rotation's NOTIFY, a reconnect):
   * brings the cipher up to the store's salt key, so the secrets read next open.
   */
  readonly syncSaltKey?: () => Promise<void>;
  readonly logger: Logger;
}

/**
 * Every stored deployment, in memory, decrypted and checked: read at start
 * and re-read when any replica changes one (the repository's LISTEN/NOTIFY),
 * so a model added through the API is routed by every replica within a
 * moment, and no request ever reads the database. A row that does not
 * decrypt or check is left out with a warning naming it (never a value);
 * if the database becomes unreachable, what was loaded keeps serving.
 */
export class StoredModels {
  readonly #options: StoredModelsOptions;
  readonly #listeners = new Set<ModelsReloadedListener>();
  #models: ReadonlyMap<string, StoredModel> = new Map();
  #sorted: readonly StoredModel[] = [];
  #loaded: boolean;
  /** Reloads run one at a time, so an older read never overwrites a newer one. */
  #queue: Promise<void> = Promise.resolve();
  #unsubscribe: (() => Promise<void>) | undefined;
  #stopped = false;

  constructor(options: StoredModelsOptions) {
    this.#options = options;
    this.#loaded = options.repository === undefined;
  }

  /** False until the stored models were read once (true at once without a store). */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** Every stored model, oldest first. */
  list(): readonly StoredModel[] {
    return this.#sorted;
  }

  get(id: string): StoredModel | undefined {
    return this.#models.get(id);
  }

  /**
   * Listens for changes, then reads every stored model. Resolves once they
   * are loaded; while the database is unreachable it stays pending (config
   * models serve meanwhile).
   */
  async start(): Promise<void> {
    const repository = this.#options.repository;
    if (!repository) return;
    const unsubscribe = await repository.onModelsChanged((id) => void this.reload(id));
    if (this.#stopped) {
      await unsubscribe();
      return;
    }
    this.#unsubscribe = unsubscribe;
    await this.reload(undefined);
  }

  /** Re-reads one stored model, or all of them (`undefined`). Failures keep what was held and warn. */
  reload(id: string | undefined): Promise<void> {
    const next = this.#queue.then(() => this.#reload(id));
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Told after every reload; returns the function that stops telling. */
  onChanged(listener: ModelsReloadedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#listeners.clear();
    await this.#unsubscribe?.().catch(() => {});
  }

  async #reload(id: string | undefined): Promise<void> {
    const { repository, logger } = this.#options;
    if (!repository || this.#stopped) return;
    // A new Map swapped in whole: readers never see a half-filled one.
    const next = new Map(id === undefined ? [] : this.#models);
    try {
      if (id === undefined) {
        await this.#options.syncSaltKey?.();
        for (const record of await repository.list()) this.#hold(next, record);
      } else {
        next.delete(id);
        const record = await repository.get(id);
        if (record) this.#hold(next, record);
      }
    } catch (error) {
      // A store error's message names no host or secret.
      logger.warn(
        { model: id, err: GatewayError.from(error).rawMessage },
        "models: could not reload from the database; keeping what was loaded",
      );
      return;
    }
    this.#models = next;
    this.#sorted = [...next.values()].sort(
      (left, right) => left.createdAt.getTime() - right.createdAt.getTime(),
    );
    if (id === undefined) this.#loaded = true;
    for (const listener of this.#listeners) listener(id);
  }

  #hold(models: Map<string, StoredModel>, record: ModelRecord): void {
    const { cipher, check, logger } = this.#options;
    let secrets: Record<string, string>;
    try {
      secrets = cipher.decryptValues(record.secrets, `model ${record.id}`);
    } catch (error) {
      // decryptValues' message names the model and field, never the value or key.
      logger.warn(
        { model: record.id, err: GatewayError.from(error).rawMessage },
        "models: cannot decrypt a stored model's secrets; not served",
      );
      return;
    }
    const checked = check(record, { ...record.params, ...secrets });
    if (Array.isArray(checked)) {
      logger.warn({ model: record.id, problems: checked }, "models: a stored model is invalid; not served");
      return;
    }
    models.set(record.id, { config: checked, createdAt: record.createdAt, updatedAt: record.updatedAt });
  }
}
