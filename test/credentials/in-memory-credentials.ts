import type {
  CredentialValuesMapper,
  CredentialValuesRewriter,
  StoredValues,
} from "../../src/credentials/rotate-key.js";

/**
 * A stand-in for src/store's CredentialRepository with the contract rotation
 * relies on: every credential is mapped and written inside one "transaction"
 * that is committed only when all of them succeeded.
 */
export class InMemoryCredentials implements CredentialValuesRewriter {
  rows: Map<string, StoredValues>;
  closed = false;

  constructor(rows: Record<string, StoredValues>) {
    this.rows = new Map(Object.entries(rows));
  }

  async replaceAllValues(map: CredentialValuesMapper): Promise<number> {
    const transaction = new Map(this.rows);
    for (const [name, values] of this.rows) {
      transaction.set(name, map(values, name)); // written as it goes, like UPDATEs inside a transaction
    }
    this.rows = transaction; // COMMIT; a throw above is a ROLLBACK
    return transaction.size;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
