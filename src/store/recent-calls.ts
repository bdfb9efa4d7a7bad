import { SpendRepository, type SpendRow } from "./spend-repository.js";
import type { Queryable } from "./store.js";

/** One finished call as the admin API lists it: what, who, how it went. No message contents. */
export type RecentCall = Omit<SpendRow, "endTime" | "upstreamModel" | "cachedTokens" | "metadata">;

/** The latest `limit` rows of spend_logs, newest first (its start_time index serves the order). */
export async function recentCalls(store: Queryable, limit: number): Promise<RecentCall[]> {
  const rows = await new SpendRepository(store).logs({ from: new Date(0), to: END_OF_TIME, limit });
  // Only the fields the admin view shows: metadata stays out.
  return rows.map(({ endTime, upstreamModel, cachedTokens, metadata, ...call }) => call);
}

/** Later than any call: the list is bounded by `limit`, not by time. */
const END_OF_TIME = new Date("9999-12-31T00:00:00Z");
