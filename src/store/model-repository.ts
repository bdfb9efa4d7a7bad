import { Code } from "@connectrpc/connect";
import { GatewayError } from "../errors/gateway-error.js";
import type { ChangeChannelOptions } from "./change-channel.js";
import { changeTimesOf, type TimestampedRow } from "./entity-repository.js";
import { type NameChangedListener, NamedRowRepository, type NamedRows } from "./named-row-repository.js";
import { checkSaltKey } from "./salt-key-check.js";
import type { Queryable, Store } from "./store.js";

/** One row of `models`: a deployment added through the API. */
export interface ModelRecord {
  /** model_info.id. */
  id: string;
  modelName: string;
  /** litellm_params without the secret fields. */
  params: Record<string, unknown>;
  /** The secret fields of litellm_params, each an opaque (encrypted) string. */
  secrets: Record<string, string>;
  /** model_info as given, without id. */
  modelInfo: Record<string, unknown>;
  createdBy?: string;
  updatedBy?: string;
  createdAt: Date;
  updatedAt: Date;
}

/** The parts of a row a write sets. */
type ModelFields = Pick<ModelRecord, "modelName" | "params" | "secrets" | "modelInfo">;

export interface NewModel extends ModelFields, Pick<ModelRecord, "id" | "createdBy"> {
  /** Fingerprint of the salt key `secrets` are encrypted with; a rotation committed meanwhile refuses the write. */
  keyId?: string;
}

/** What an update leaves on the row: every part whole (the caller merged it with the current row). */
export interface ModelChange extends ModelFields, Pick<ModelRecord, "updatedBy"> {
  keyId?: string;
}

interface ModelRow extends TimestampedRow {
  model_id: string;
  model_name: string;
  litellm_params: Record<string, unknown>;
  secret_params: Record<string, string>;
  model_info: Record<string, unknown>;
  created_by: string | null;
  updated_by: string | null;
}

const columns =
  "model_id, model_name, litellm_params, secret_params, model_info, created_by, updated_by, created_at, updated_at";

const modelRows: NamedRows<ModelRow, ModelRecord, NewModel> = {
  table: "models",
  channel: "switchyard_models_changed",
  nameColumn: "model_id",
  columns,
  // Oldest first: the order LiteLLM adds them to its router.
  listOrder: "created_at, model_id",
  insert: `insert into models (model_id, model_name, litellm_params, secret_params, model_info, created_by, updated_by)
     values ($1, $2, $3::jsonb, $4::jsonb, $5::jsonb, $6, $6)`,
  insertValues: (model) => [
    model.id,
    model.modelName,
    JSON.stringify(model.params),
    JSON.stringify(model.secrets),
    JSON.stringify(model.modelInfo),
    model.createdBy ?? null,
  ],
  nameOf: (model) => model.id,
  keyIdOf: (model) => model.keyId,
  toEntity: toRecord,
  notFound: modelNotFound,
  exists: modelExists,
};

/**
 * The `models` table. It stores what it is given: the service checks the
 * deployment and encrypts its secrets first. Every write NOTIFYs
 * its channel inside its own transaction, so other replicas hear of it
 * exactly when it commits (and never of a write that rolled back).
 */
export class ModelRepository extends NamedRowRepository<ModelRow, ModelRecord, NewModel> {
  constructor(store: Store, options: ChangeChannelOptions = {}) {
    super(store, options, modelRows);
  }

  /**
   * Reads the row under lock, asks `change` what it becomes, and writes that:
   * two concurrent updates of one model never lose each other's fields.
   * `change` may throw (a bad patch) to write nothing. Throws NotFound for an
   * unknown id.
   */
  async update(id: string, change: (current: ModelRecord) => ModelChange): Promise<ModelRecord> {
    return this.store.transaction(async (transaction) => {
      const [current] = await transaction.query<ModelRow>(
        `select ${columns} from models where model_id = $1 for update`,
        [id],
      );
      if (!current) throw modelNotFound(id);
      const next = change(toRecord(current));
      await checkSaltKey(transaction, next.keyId);
      const [row] = await transaction.query<ModelRow>(
        `update models
         set model_name = $2, litellm_params = $3::jsonb, secret_params = $4::jsonb, model_info = $5::jsonb,
             updated_by = coalesce($6, updated_by), updated_at = now()
         where model_id = $1
         returning ${columns}`,
        [
          id,
          next.modelName,
          JSON.stringify(next.params),
          JSON.stringify(next.secrets),
          JSON.stringify(next.modelInfo),
          next.updatedBy ?? null,
        ],
      );
      await this.changes.notify(transaction, id);
      return toRecord(row!);
    });
  }

  /**
   * Rewrites every stored model's secrets inside `transaction` (a salt-key
   * rotation's, which also rewrites the credentials): reads the rows under
   * lock, maps each, writes them back, and tells every replica to reload.
   * Resolves with the number of models rewritten.
   */
  async rewriteSecrets(
    transaction: Queryable,
    map: (secrets: Record<string, string>, modelId: string) => Record<string, string>,
  ): Promise<number> {
    const rows = await transaction.query<Pick<ModelRow, "model_id" | "secret_params">>(
      "select model_id, secret_params from models order by model_id for update",
    );
    for (const row of rows) {
      await transaction.query("update models set secret_params = $2::jsonb where model_id = $1", [
        row.model_id,
        JSON.stringify(map(row.secret_params, row.model_id)),
      ]);
    }
    if (rows.length > 0) await this.changes.notify(transaction, undefined);
    return rows.length;
  }

  /**
   * Listens for changes made by any replica, this one included. Resolves
   * once listening, with the function that stops it.
   */
  onModelsChanged(listener: NameChangedListener): Promise<() => Promise<void>> {
    return this.listen(listener);
  }
}

export function modelNotFound(id: string): GatewayError {
  return new GatewayError({
    code: Code.NotFound,
    message: `Model ${id} not found on proxy.`,
    errorCode: "model_not_found",
  });
}

function modelExists(id: string): GatewayError {
  return new GatewayError({
    code: Code.AlreadyExists,
    message: `a model with id "${id}" already exists`,
    errorCode: "model_exists",
  });
}

function toRecord(row: ModelRow): ModelRecord {
  return {
    id: row.model_id,
    modelName: row.model_name,
    params: row.litellm_params,
    secrets: row.secret_params,
    modelInfo: row.model_info,
    ...(row.created_by !== null && { createdBy: row.created_by }),
    ...(row.updated_by !== null && { updatedBy: row.updated_by }),
    ...changeTimesOf(row),
  };
}
