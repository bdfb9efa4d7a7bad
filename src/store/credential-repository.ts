import type { ChangeChannelOptions } from "./change-channel.js";
import { changeTimesOf, type TimestampedRow } from "./entity-repository.js";
import {
  type NameChangedListener,
  NamedRowRepository,
  type NamedRows,
  namedRowErrors,
} from "./named-row-repository.js";
import { checkSaltKey } from "./salt-key-check.js";
import type { Queryable, Store } from "./store.js";

/** One row of `credentials`. */
export interface CredentialRecord {
  name: string;
  /** Opaque strings (encrypted by the service layer before they get here). */
  values: Record<string, string>;
  /** Free-form metadata, e.g. `{ custom_llm_provider: "openai" }`. */
  info: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewCredential {
  name: string;
  values: Record<string, string>;
  info?: Record<string, unknown>;
  /** Fingerprint of the salt key `values` are encrypted with; see SaltKeyChangedError. */
  keyId?: string;
}

/** Keys given here replace the stored ones; keys left out stay as they are. */
export interface CredentialPatch {
  values?: Record<string, string>;
  info?: Record<string, unknown>;
  /** Value keys to remove, after `values` is applied. */
  removedKeys?: readonly string[];
  /** Rename to this; AlreadyExists when it is taken. */
  newName?: string;
  /** Fingerprint of the salt key `values` are encrypted with; see SaltKeyChangedError. */
  keyId?: string;
}

/** Which salt key the stored secrets are encrypted with, after a rotation through the API. */
export interface SaltKeyState {
  /** Fingerprint of the current key (SaltKey.id); undefined: never rotated through the API. */
  keyId?: string;
  /** The current key encrypted with the previous one; undefined outside a rotation window. */
  wrappedKey?: string;
}

interface CredentialRow extends TimestampedRow {
  credential_name: string;
  credential_values: Record<string, string>;
  credential_info: Record<string, unknown>;
}

const columns = "credential_name, credential_values, credential_info, created_at, updated_at";

const credentialErrors = namedRowErrors("credential");

export const credentialNotFound = credentialErrors.notFound;

const credentialRows: NamedRows<CredentialRow, CredentialRecord, NewCredential> = {
  table: "credentials",
  channel: "switchyard_credentials_changed",
  nameColumn: "credential_name",
  columns,
  insert:
    "insert into credentials (credential_name, credential_values, credential_info) values ($1, $2::jsonb, $3::jsonb)",
  insertValues: (credential) => [
    credential.name,
    JSON.stringify(credential.values),
    JSON.stringify(credential.info ?? {}),
  ],
  nameOf: (credential) => credential.name,
  keyIdOf: (credential) => credential.keyId,
  toEntity: toRecord,
  ...credentialErrors,
};

/**
 * The `credentials` table. It stores the strings it is given; encryption is
 * the service layer's. Every write NOTIFYs its channel inside its
 * own transaction, so other replicas hear of it exactly when it commits (and
 * never of a write that rolled back).
 */
export class CredentialRepository extends NamedRowRepository<CredentialRow, CredentialRecord, NewCredential> {
  constructor(store: Store, options: ChangeChannelOptions = {}) {
    super(store, options, credentialRows);
  }

  /**
   * Merges `patch` into the stored values and info (top-level keys), removes
   * `patch.removedKeys`, and renames to `patch.newName`. Throws NotFound for
   * an unknown name, AlreadyExists for a taken new name.
   */
  async update(name: string, patch: CredentialPatch): Promise<CredentialRecord> {
    return this.store.transaction(async (transaction) => {
      await checkSaltKey(transaction, patch.keyId);
      const newName = patch.newName !== undefined && patch.newName !== name ? patch.newName : undefined;
      if (newName !== undefined) {
        const taken = await transaction.query(
          "select 1 from credentials where credential_name = $1 for update",
          [newName],
        );
        if (taken.length > 0) throw credentialErrors.exists(newName);
      }
      const [row] = await transaction.query<CredentialRow>(
        `update credentials
         set credential_name = coalesce($4, credential_name),
             credential_values = (credential_values || $2::jsonb)
               - coalesce((select array_agg(key) from jsonb_array_elements_text($5::jsonb) as removed(key)), '{}'::text[]),
             credential_info = credential_info || $3::jsonb,
             updated_at = now()
         where credential_name = $1
         returning ${columns}`,
        [
          name,
          JSON.stringify(patch.values ?? {}),
          JSON.stringify(patch.info ?? {}),
          newName ?? null,
          JSON.stringify(patch.removedKeys ?? []),
        ],
      );
      if (!row) throw credentialNotFound(name);
      await this.changes.notify(transaction, name);
      if (newName !== undefined) await this.changes.notify(transaction, newName);
      return toRecord(row);
    });
  }

  /**
   * Rewrites every credential's values in one transaction (key rotation):
   * reads all rows under lock, maps each with `map`, writes them back, and
   * records `keyState` as the store's salt key. Concurrent writes wait for
   * it (they lock the key state row) and are then refused with
   * SaltKeyChangedError if they used the old key. `alsoRewrite` runs in the
   * same transaction (other tables' secrets: stored models). If `map`, it or
   * any write throws, nothing changes and the error is rethrown. Resolves
   * with the number of credentials rewritten.
   */
  async replaceAllValues(
    map: (
      values: Record<string, string>,
      name: string,
    ) => Record<string, string> | Promise<Record<string, string>>,
    keyState?: SaltKeyState,
    alsoRewrite?: (transaction: Queryable) => Promise<unknown>,
  ): Promise<number> {
    return this.store.transaction(async (transaction) => {
      await transaction.query("select key_id from salt_key_state where id = 1 for update");
      const rows = await transaction.query<Pick<CredentialRow, "credential_name" | "credential_values">>(
        "select credential_name, credential_values from credentials order by credential_name for update",
      );
      for (const row of rows) {
        const values = await map(row.credential_values, row.credential_name);
        await transaction.query(
          "update credentials set credential_values = $2::jsonb, updated_at = now() where credential_name = $1",
          [row.credential_name, JSON.stringify(values)],
        );
      }
      await alsoRewrite?.(transaction);
      if (keyState) {
        await transaction.query(
          "update salt_key_state set key_id = $1, wrapped_key = $2, rotated_at = now() where id = 1",
          [keyState.keyId ?? null, keyState.wrappedKey ?? null],
        );
      }
      if (rows.length > 0 || keyState) await this.changes.notify(transaction, undefined);
      return rows.length;
    });
  }

  /** The store's salt key state (all undefined when never rotated through the API). */
  async keyState(): Promise<SaltKeyState> {
    const [row] = await this.store.query<{ key_id: string | null; wrapped_key: string | null }>(
      "select key_id, wrapped_key from salt_key_state where id = 1",
    );
    return { keyId: row?.key_id ?? undefined, wrappedKey: row?.wrapped_key ?? undefined };
  }

  /** Forgets the wrapped key, ending a rotation window. Resolves false when there was none. */
  async finishRotation(): Promise<boolean> {
    const rows = await this.store.query(
      "update salt_key_state set wrapped_key = null where id = 1 and wrapped_key is not null returning id",
    );
    return rows.length > 0;
  }

  /**
   * Listens for changes made by any replica, this one included. Resolves
   * once listening, with the function that stops it.
   */
  onCredentialsChanged(listener: NameChangedListener): Promise<() => Promise<void>> {
    return this.listen(listener);
  }

  /** For writers outside this repository: tells every replica that credentials changed. */
  async notifyCredentialsChanged(credentialName?: string): Promise<void> {
    await this.changes.notify(this.store, credentialName);
  }
}

function toRecord(row: CredentialRow): CredentialRecord {
  return {
    name: row.credential_name,
    values: row.credential_values,
    info: row.credential_info,
    ...changeTimesOf(row),
  };
}
