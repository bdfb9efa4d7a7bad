import { Code } from "@connectrpc/connect";
import { GatewayError } from "../errors/gateway-error.js";
import { type ChangeChannelOptions, oneId } from "./change-channel.js";
import { EntityRepository } from "./entity-repository.js";
import { checkSaltKey } from "./salt-key-check.js";
import type { Store } from "./store.js";

/**
 * A table whose rows one text column names (its primary key), as
 * NamedRowRepository reads and creates them; `New` is what a new row is
 * made from.
 */
export interface NamedRows<Row extends object, Entity, New> {
  readonly table: string;
  /** The NOTIFY channel every replica listens on. */
  readonly channel: string;
  readonly nameColumn: string;
  /** The columns every read returns. */
  readonly columns: string;
  /** The order `list` returns the rows in; by name when left out. */
  readonly listOrder?: string;
  /** `insert into table (…) values (…)`, whose placeholders `insertValues` fill. */
  readonly insert: string;
  readonly insertValues: (item: New) => unknown[];
  /** The name a new row gets. */
  readonly nameOf: (item: New) => string;
  /** Tables that keep secrets: the salt key a new row's are encrypted with (see checkSaltKey). */
  readonly keyIdOf?: (item: New) => string | undefined;
  readonly toEntity: (row: Row) => Entity;
  readonly notFound: (name: string) => GatewayError;
  readonly exists: (name: string) => GatewayError;
}

/** The NotFound and AlreadyExists errors of rows a noun names: `agent "support" not found` (agent_not_found). */
export function namedRowErrors(noun: string): Pick<NamedRows<object, unknown, never>, "notFound" | "exists"> {
  return {
    notFound: (name) =>
      new GatewayError({
        code: Code.NotFound,
        message: `${noun} "${name}" not found`,
        errorCode: `${noun}_not_found`,
      }),
    exists: (name) =>
      new GatewayError({
        code: Code.AlreadyExists,
        message: `${noun} "${name}" already exists`,
        errorCode: `${noun}_exists`,
      }),
  };
}

/**
 * Called when a replica changed rows: with the row's name, or `undefined`
 * when many may have changed (a salt-key rotation, or notifications lost
 * while the database was unreachable) and everything should be reloaded.
 */
export type NameChangedListener = (name: string | undefined) => void;

/**
 * The reads, the create and the delete that agents, credentials and models
 * do alike; updates stay with each repository, which knows its columns.
 * Table and column names are constants of the subclass, never caller text.
 */
export abstract class NamedRowRepository<Row extends object, Entity, New> extends EntityRepository<string> {
  readonly #rows: NamedRows<Row, Entity, New>;

  protected constructor(store: Store, options: ChangeChannelOptions, rows: NamedRows<Row, Entity, New>) {
    super(store, options.channel ?? rows.channel, oneId);
    this.#rows = rows;
  }

  async get(name: string): Promise<Entity | undefined> {
    const { table, nameColumn, columns, toEntity } = this.#rows;
    const [row] = await this.store.query<Row>(`select ${columns} from ${table} where ${nameColumn} = $1`, [
      name,
    ]);
    return row && toEntity(row);
  }

  async list(): Promise<Entity[]> {
    const { table, nameColumn, columns, listOrder = nameColumn, toEntity } = this.#rows;
    const rows = await this.store.query<Row>(`select ${columns} from ${table} order by ${listOrder}`);
    return rows.map(toEntity);
  }

  /**
   * Throws AlreadyExists when the name is taken, and SaltKeyChangedError when
   * the item's secrets are encrypted with another salt key than the store's
   * current one (a rotation committed meanwhile).
   */
  async create(item: New): Promise<Entity> {
    const { nameColumn, columns, insert, insertValues, nameOf, keyIdOf, toEntity, exists } = this.#rows;
    const name = nameOf(item);
    return this.store.transaction(async (transaction) => {
      await checkSaltKey(transaction, keyIdOf?.(item));
      const [row] = await transaction.query<Row>(
        `${insert} on conflict (${nameColumn}) do nothing returning ${columns}`,
        insertValues(item),
      );
      if (!row) throw exists(name);
      await this.changes.notify(transaction, name);
      return toEntity(row);
    });
  }

  /** Throws NotFound for an unknown name. */
  async delete(name: string): Promise<void> {
    const { table, nameColumn, notFound } = this.#rows;
    await this.store.transaction(async (transaction) => {
      const rows = await transaction.query(
        `delete from ${table} where ${nameColumn} = $1 returning ${nameColumn}`,
        [name],
      );
      if (rows.length === 0) throw notFound(name);
      await this.changes.notify(transaction, name);
    });
  }
}
