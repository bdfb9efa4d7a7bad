import { SpendRepository } from "./spend-repository.js";
import type { Queryable } from "./store.js";

/** One finished call as the admin API lists it: what, who, how it went. No message contents. */
export interface RecentCall {
  readonly requestId: string;
  readonly startTime: Date;
  readonly callType: string;
  readonly stream: boolean;
  readonly model: string;
  readonly modelGroup: string | null;
  readonly deploymentId: string | null;
  readonly provider: string | null;
  /** master, anonymous or virtual_key. */
  readonly principal: string;
  /** A virtual key's token id. */
  readonly apiKey: string | null;
  readonly endUser: string | null;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
  readonly spend: number;
  readonly status: string;
  readonly statusCode: number;
  readonly errorType: string | null;
  readonly latencyMs: number;
  readonly ttftMs: number | null;
}

/** The latest `limit` rows of spend_logs, newest first (its start_time index serves the order). */
export async function recentCalls(store: Queryable, limit: number): Promise<RecentCall[]> {
  const rows = await new SpendRepository(store).logs({ from: new Date(0), to: END_OF_TIME, limit });
  // Only the fields the admin view shows: metadata stays out.
  return rows.map(({ endTime, upstreamModel, cachedTokens, metadata, ...call }) => call);
}

/** Later than any call: the list is bounded by `limit`, not by time. */
const END_OF_TIME = new Date("9999-12-31T00:00:00Z");
