import { Code } from "@connectrpc/connect";
import { GatewayError } from "../errors/gateway-error.js";
import type { Queryable } from "./store.js";

/**
 * A write brought values encrypted with a salt key other than the store's
 * current one (a rotation committed meanwhile): nothing was written. The
 * writer learns the new key (SaltKeyState) and encrypts again.
 */
export class SaltKeyChangedError extends GatewayError {
  constructor() {
    super({
      code: Code.Aborted,
      message:
        "the stored credentials are encrypted with another salt key than this gateway's: " +
        "set LITELLM_SALT_KEY to the current one",
      errorCode: "salt_key_changed",
      retryable: false,
    });
  }
}

/**
 * Refuses a write whose values are encrypted with another key than the one
 * the store records; waits for a rotation in progress (its row lock) first.
 */
export async function checkSaltKey(transaction: Queryable, keyId: string | undefined): Promise<void> {
  if (keyId === undefined) return;
  const [row] = await transaction.query<{ key_id: string | null }>(
    "select key_id from salt_key_state where id = 1 for share",
  );
  if (row?.key_id && row.key_id !== keyId) throw new SaltKeyChangedError();
}
