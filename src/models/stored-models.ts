import type { DeploymentConfig } from "../config/config-types.js";
import type { CredentialCipher } from "../credentials/encryption/credential-cipher.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { Logger } from "../observability/logger.js";
import type { ModelRecord, ModelRepository } from "../store/model-repository.js";
import { byId, StoredMirror } from "../store/stored-mirror.js";

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
 * Every stored deployment, in memory, decrypted and checked (a StoredMirror),
 * so a model added through the API is routed by every replica within a
 * moment, and no request ever reads the database. A row that does not
 * decrypt or check is left out with a warning naming it (never a value).
 */
export class StoredModels extends StoredMirror<string, ModelRecord, StoredModel> {
  #sorted: readonly StoredModel[] = [];

  constructor(options: StoredModelsOptions) {
    const { repository, logger } = options;
    super({
      source: repository && byId(repository, (onChange) => repository.onModelsChanged(onChange)),
      idsOf: (id) => [id],
      idOf: (record) => record.id,
      admit: (record) => checked(record, options),
      beforeReadAll: options.syncSaltKey,
      entity: "models",
      logFields: (id) => ({ model: id }),
      logger,
    });
  }

  /** Every stored model, oldest first. */
  list(): readonly StoredModel[] {
    return this.#sorted;
  }

  protected override held(models: ReadonlyMap<string, StoredModel>): void {
    this.#sorted = [...models.values()].sort(
      (left, right) => left.createdAt.getTime() - right.createdAt.getTime(),
    );
  }
}

/** The row decrypted and checked as a model_list entry, or undefined with a warning naming it (never a value). */
function checked(
  record: ModelRecord,
  { cipher, check, logger }: StoredModelsOptions,
): StoredModel | undefined {
  let secrets: Record<string, string>;
  try {
    secrets = cipher.decryptValues(record.secrets, `model ${record.id}`);
  } catch (error) {
    // decryptValues' message names the model and field, never the value or key.
    logger.warn(
      { model: record.id, err: GatewayError.from(error).rawMessage },
      "models: cannot decrypt a stored model's secrets; not served",
    );
    return undefined;
  }
  const deployment = check(record, { ...record.params, ...secrets });
  if (Array.isArray(deployment)) {
    logger.warn({ model: record.id, problems: deployment }, "models: a stored model is invalid; not served");
    return undefined;
  }
  return { config: deployment, createdAt: record.createdAt, updatedAt: record.updatedAt };
}
