import { Code } from "@connectrpc/connect";
import { GatewayError } from "../errors/gateway-error.js";
import type { VirtualKey } from "../keys/virtual-key.js";
import { type ChangeChannelOptions, idList } from "./change-channel.js";
import { changeTimesOf, EntityRepository, type TimestampedRow } from "./entity-repository.js";
import type { Store } from "./store.js";

/** A key to insert: everything but spend (0) and the timestamps (now). */
export type NewVirtualKey = Omit<VirtualKey, "spend" | "createdAt" | "updatedAt">;

/**
 * A change to a key's settings: `undefined` leaves a field as it is, `null`
 * clears it. Spend is not a setting: see addSpend and resetEndedBudgets.
 */
export interface VirtualKeyPatch {
  readonly keyAlias?: string | null;
  readonly models?: readonly string[];
  readonly maxBudget?: number | null;
  /** Set together with budgetResetAt. */
  readonly budgetDuration?: string | null;
  readonly budgetResetAt?: Date | null;
  readonly rpmLimit?: number | null;
  readonly tpmLimit?: number | null;
  readonly maxParallelRequests?: number | null;
  readonly expiresAt?: Date | null;
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly blocked?: boolean;
}

/** US dollars to add to one key's spend. */
export interface SpendCharge {
  readonly tokenId: string;
  readonly amount: number;
}

/**
 * Called when a replica changed keys: with the token ids of the keys that
 * changed (or were deleted), or `undefined` when notifications may have been
 * lost (the database was unreachable) and every key should be reloaded.
 */
export type KeysChangedListener = (tokenIds: readonly string[] | undefined) => void;

/** The NOTIFY channel every replica listens on; the payload is comma-separated token ids. */
export const keysChannel = "switchyard_virtual_keys_changed";

interface KeyRow extends TimestampedRow {
  token_id: string;
  key_name: string;
  key_alias: string | null;
  models: string[];
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: Date | null;
  spend: number;
  // int8: pg returns text, PGlite a number; read with Number().
  rpm_limit: string | number | null;
  tpm_limit: string | number | null;
  max_parallel_requests: number | null;
  expires_at: Date | null;
  metadata: Record<string, unknown>;
  blocked: boolean;
}

const columns = `token_id, key_name, key_alias, models, max_budget, budget_duration, budget_reset_at, spend,
  rpm_limit, tpm_limit, max_parallel_requests, expires_at, metadata, blocked, created_at, updated_at`;

/**
 * Postgres reads every duration syntax parseDuration accepts ("30s", "10m",
 * "1h", "30d", "1w") as an interval, except months, which it spells "mon".
 */
const budgetInterval = "regexp_replace(budget_duration, 'mo$', 'mon')::interval";

/**
 * The `virtual_keys` table: settings and spend, never a key's value (rows are
 * keyed by its SHA-256). It stores what it is given; the service checks it
 * first. Every write NOTIFYs `keysChannel` with the token ids it touched,
 * inside its own transaction, so other replicas hear of it exactly when it
 * commits (and never of a write that rolled back).
 */
export class KeyRepository extends EntityRepository<readonly string[]> {
  constructor(store: Store, options: ChangeChannelOptions = {}) {
    super(store, options.channel ?? keysChannel, idList);
  }

  /** Throws AlreadyExists when a key with the same value (token id) exists. */
  async create(key: NewVirtualKey): Promise<VirtualKey> {
    return this.store.transaction(async (transaction) => {
      const [row] = await transaction.query<KeyRow>(
        `insert into virtual_keys (token_id, key_name, key_alias, models, max_budget, budget_duration,
           budget_reset_at, rpm_limit, tpm_limit, max_parallel_requests, expires_at, metadata, blocked)
         values ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13)
         on conflict (token_id) do nothing
         returning ${columns}`,
        [
          key.tokenId,
          key.keyName,
          key.keyAlias ?? null,
          JSON.stringify(key.models),
          key.maxBudget ?? null,
          key.budgetDuration ?? null,
          key.budgetResetAt ?? null,
          key.rpmLimit ?? null,
          key.tpmLimit ?? null,
          key.maxParallelRequests ?? null,
          key.expiresAt ?? null,
          JSON.stringify(key.metadata),
          key.blocked,
        ],
      );
      if (!row) {
        throw new GatewayError({
          code: Code.AlreadyExists,
          message: "a key with this value already exists",
          errorCode: "key_exists",
          param: "key",
        });
      }
      await this.changes.notify(transaction, [key.tokenId]);
      return toVirtualKey(row);
    });
  }

  async get(tokenId: string): Promise<VirtualKey | undefined> {
    const [row] = await this.store.query<KeyRow>(`select ${columns} from virtual_keys where token_id = $1`, [
      tokenId,
    ]);
    return row && toVirtualKey(row);
  }

  /** The keys among `tokenIds` that exist, in no particular order. */
  async getMany(tokenIds: readonly string[]): Promise<VirtualKey[]> {
    if (tokenIds.length === 0) return [];
    const rows = await this.store.query<KeyRow>(
      `select ${columns} from virtual_keys
       where token_id in (select jsonb_array_elements_text($1::jsonb))`,
      [JSON.stringify(tokenIds)],
    );
    return rows.map(toVirtualKey);
  }

  /** Every key (or those with `keyAlias`), newest first. */
  async list(filter: { keyAlias?: string } = {}): Promise<VirtualKey[]> {
    const rows = await this.store.query<KeyRow>(
      `select ${columns} from virtual_keys
       where $1::text is null or key_alias = $1
       order by created_at desc, token_id`,
      [filter.keyAlias ?? null],
    );
    return rows.map(toVirtualKey);
  }

  /** Applies `patch` (see VirtualKeyPatch). Throws NotFound for an unknown token id. */
  async update(tokenId: string, patch: VirtualKeyPatch): Promise<VirtualKey> {
    const params: unknown[] = [tokenId];
    const assignments = ["updated_at = now()"];
    const set = (column: string, value: unknown, cast = "") => {
      if (value === undefined) return;
      params.push(value);
      assignments.push(`${column} = $${params.length}${cast}`);
    };
    set("key_alias", patch.keyAlias);
    set("models", patch.models && JSON.stringify(patch.models), "::jsonb");
    set("max_budget", patch.maxBudget);
    set("budget_duration", patch.budgetDuration);
    set("budget_reset_at", patch.budgetResetAt);
    set("rpm_limit", patch.rpmLimit);
    set("tpm_limit", patch.tpmLimit);
    set("max_parallel_requests", patch.maxParallelRequests);
    set("expires_at", patch.expiresAt);
    set("metadata", patch.metadata && JSON.stringify(patch.metadata), "::jsonb");
    set("blocked", patch.blocked);
    return this.store.transaction(async (transaction) => {
      const [row] = await transaction.query<KeyRow>(
        `update virtual_keys set ${assignments.join(", ")} where token_id = $1 returning ${columns}`,
        params,
      );
      if (!row) throw keyNotFound(tokenId);
      await this.changes.notify(transaction, [tokenId]);
      return toVirtualKey(row);
    });
  }

  /**
   * Gives a key a new value: the row moves to `newTokenId` with its settings
   * and spend, in one statement, so the old value stops working the moment
   * the new one starts. Throws NotFound for an unknown `oldTokenId`, and
   * AlreadyExists when `newTokenId` is taken.
   */
  async replaceToken(oldTokenId: string, newTokenId: string, newKeyName: string): Promise<VirtualKey> {
    return this.store.transaction(async (transaction) => {
      const [taken] = await transaction.query("select 1 from virtual_keys where token_id = $1", [newTokenId]);
      if (taken) {
        throw new GatewayError({
          code: Code.AlreadyExists,
          message: "a key with the new value already exists",
          errorCode: "key_exists",
        });
      }
      const [row] = await transaction.query<KeyRow>(
        `update virtual_keys set token_id = $2, key_name = $3, updated_at = now()
         where token_id = $1 returning ${columns}`,
        [oldTokenId, newTokenId, newKeyName],
      );
      if (!row) throw keyNotFound(oldTokenId);
      await this.changes.notify(transaction, [oldTokenId, newTokenId]);
      return toVirtualKey(row);
    });
  }

  /**
   * Deletes every key in `tokenIds`, or none: throws NotFound naming the
   * first unknown one. Resolves with the deleted token ids.
   */
  async delete(tokenIds: readonly string[]): Promise<string[]> {
    const unique = [...new Set(tokenIds)];
    return this.store.transaction(async (transaction) => {
      const rows = await transaction.query<{ token_id: string }>(
        `delete from virtual_keys where token_id in (select jsonb_array_elements_text($1::jsonb))
         returning token_id`,
        [JSON.stringify(unique)],
      );
      const deleted = new Set(rows.map((row) => row.token_id));
      const missing = unique.find((tokenId) => !deleted.has(tokenId));
      // Throwing rolls the whole delete back.
      if (missing !== undefined) throw keyNotFound(missing);
      await this.changes.notify(transaction, unique);
      return unique;
    });
  }

  /**
   * Adds each charge to its key's spend, all in one statement (charges for
   * the same key are summed; unknown token ids are skipped, e.g. a key
   * deleted meanwhile). Settings and updated_at are left alone. Resolves with
   * the token ids charged.
   */
  async addSpend(charges: readonly SpendCharge[]): Promise<string[]> {
    if (charges.length === 0) return [];
    return this.store.transaction(async (transaction) => {
      const rows = await transaction.query<{ token_id: string }>(
        `update virtual_keys as stored set spend = stored.spend + charge.amount
         from (
           select token_id, sum(amount) as amount
           from jsonb_to_recordset($1::jsonb) as item(token_id text, amount double precision)
           group by token_id
         ) as charge
         where stored.token_id = charge.token_id
         returning stored.token_id`,
        [JSON.stringify(charges.map((charge) => ({ token_id: charge.tokenId, amount: charge.amount })))],
      );
      const charged = rows.map((row) => row.token_id);
      await this.changes.notify(transaction, charged);
      return charged;
    });
  }

  /**
   * Starts a new budget period for every key whose period has ended
   * (`budget_reset_at <= now`): spend back to 0, the next reset one
   * budget_duration after `now`. `now` defaults to the database's clock.
   * Safe to run on every replica at once: each key is reset by one of them.
   * Resolves with the token ids reset.
   */
  async resetEndedBudgets(now?: Date): Promise<string[]> {
    return this.store.transaction(async (transaction) => {
      const rows = await transaction.query<{ token_id: string }>(
        `update virtual_keys
         set spend = 0, budget_reset_at = coalesce($1::timestamptz, now()) + ${budgetInterval}
         where budget_duration is not null and budget_reset_at <= coalesce($1::timestamptz, now())
         returning token_id`,
        [now ?? null],
      );
      const reset = rows.map((row) => row.token_id);
      await this.changes.notify(transaction, reset);
      return reset;
    });
  }

  /**
   * Listens for changes made by any replica, this one included. Resolves
   * once listening, with the function that stops it.
   */
  onKeysChanged(listener: KeysChangedListener): Promise<() => Promise<void>> {
    return this.listen(listener);
  }
}

export function keyNotFound(tokenId: string): GatewayError {
  return new GatewayError({
    code: Code.NotFound,
    message: `key ${tokenId} not found`,
    errorCode: "key_not_found",
    param: "key",
  });
}

function toVirtualKey(row: KeyRow): VirtualKey {
  return {
    tokenId: row.token_id,
    keyName: row.key_name,
    ...(row.key_alias !== null && { keyAlias: row.key_alias }),
    models: row.models,
    ...(row.max_budget !== null && { maxBudget: row.max_budget }),
    ...(row.budget_duration !== null && { budgetDuration: row.budget_duration }),
    ...(row.budget_reset_at !== null && { budgetResetAt: row.budget_reset_at }),
    spend: row.spend,
    ...(row.rpm_limit !== null && { rpmLimit: Number(row.rpm_limit) }),
    ...(row.tpm_limit !== null && { tpmLimit: Number(row.tpm_limit) }),
    ...(row.max_parallel_requests !== null && { maxParallelRequests: row.max_parallel_requests }),
    ...(row.expires_at !== null && { expiresAt: row.expires_at }),
    metadata: row.metadata,
    blocked: row.blocked,
    ...changeTimesOf(row),
  };
}
