import { createHash } from "node:crypto";

/**
 * A virtual key as the gateway holds it in memory: settings and the spend
 * the store last reported, never the key's value. Immutable: a change is a
 * new object, so a request keeps a consistent view of its key.
 */
export interface VirtualKey {
  /** SHA-256 of the value, hex (LiteLLM's "token"). */
  readonly tokenId: string;
  /** The value abbreviated for display: "sk-...abcd". */
  readonly keyName: string;
  readonly keyAlias?: string;
  /** Model groups it may call; empty: all. */
  readonly models: readonly string[];
  /** US dollars per budget period; undefined: no limit. */
  readonly maxBudget?: number;
  /** "30d", "1h", …; undefined: spend never resets. */
  readonly budgetDuration?: string;
  readonly budgetResetAt?: Date;
  /** US dollars spent this period, as last stored. */
  readonly spend: number;
  readonly rpmLimit?: number;
  readonly tpmLimit?: number;
  readonly maxParallelRequests?: number;
  readonly expiresAt?: Date;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly blocked: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** The in-memory view of every key, kept current across replicas; never reads the database. */
export interface KeyLookup {
  get(tokenId: string): VirtualKey | undefined;
}

/** A key's token id: the SHA-256 of its value, hex. */
export function tokenIdOf(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** "sk-...abcd": enough to tell keys apart, nothing to use. */
export function keyNameOf(key: string): string {
  return `sk-...${key.slice(-4)}`;
}

/** LiteLLM's role for keys that may administer the gateway (set in the key's metadata). */
export const ADMIN_ROLE = "proxy_admin";

/** Whether the key may use the admin APIs and the console: `metadata.role: "proxy_admin"`. */
export function isAdminKey(key: VirtualKey): boolean {
  return key.metadata.role === ADMIN_ROLE;
}
