import { Code } from "@connectrpc/connect";
import { GatewayError } from "../errors/gateway-error.js";
import { oneId } from "./change-channel.js";
import { EntityRepository } from "./entity-repository.js";
import type { Queryable, Store } from "./store.js";

/** A table whose rows one text column names (its primary key), as NamedRowRepository reads it. */
export interface NamedRows<Row extends object, Entity> {
  readonly table: string;
  readonly nameColumn: string;
  /** The columns every read returns. */
  readonly columns: string;
  /** The order `list` returns the rows in; by name when left out. */
  readonly listOrder?: string;
  /** `insert into table (…) values (…)`, for `insertRow`. */
  readonly insert: string;
  readonly toEntity: (row: Row) => Entity;
  readonly notFound: (name: string) => GatewayError;
  readonly exists: (name: string) => GatewayError;
}

/** The NotFound and AlreadyExists errors of rows a noun names: `agent "support" not found` (agent_not_found). */
export function namedRowErrors(noun: string): Pick<NamedRows<object, unknown>, "notFound" | "exists"> {
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
 * The reads, the insert and the delete that agents, credentials and models
 * do alike; updates stay with each repository, which knows its columns. Table and column
 * names are constants of the subclass, never caller text.
 */
export abstract class NamedRowRepository<Row extends object, Entity> extends EntityRepository<string> {
  readonly #rows: NamedRows<Row, Entity>;

  protected constructor(store: Store, channel: string, rows: NamedRows<Row, Entity>) {
    super(store, channel, oneId);
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
   * Inserts a row inside `transaction` and tells every replica; `values`
   * fill the `insert` statement's placeholders. Throws AlreadyExists when
   * the name is taken.
   */
  protected async insertRow(transaction: Queryable, name: string, values: unknown[]): Promise<Entity> {
    const { nameColumn, columns, insert, toEntity, exists } = this.#rows;
    const [row] = await transaction.query<Row>(
      `${insert} on conflict (${nameColumn}) do nothing returning ${columns}`,
      values,
    );
    if (!row) throw exists(name);
    await this.changes.notify(transaction, name);
    return toEntity(row);
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
