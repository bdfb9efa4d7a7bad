import type { GatewayError } from "../errors/gateway-error.js";
import { oneId } from "./change-channel.js";
import { EntityRepository } from "./entity-repository.js";
import type { Store } from "./store.js";

/** A table whose rows one text column names (its primary key), as NamedRowRepository reads it. */
export interface NamedRows<Row extends object, Entity> {
  readonly table: string;
  readonly nameColumn: string;
  /** The columns every read returns. */
  readonly columns: string;
  /** The order `list` returns the rows in. */
  readonly listOrder: string;
  readonly toEntity: (row: Row) => Entity;
  readonly notFound: (name: string) => GatewayError;
}

/**
 * The reads and the delete that agents, credentials and models do alike;
 * writes stay with each repository, which knows its columns. Table and column
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
    const { table, columns, listOrder, toEntity } = this.#rows;
    const rows = await this.store.query<Row>(`select ${columns} from ${table} order by ${listOrder}`);
    return rows.map(toEntity);
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
