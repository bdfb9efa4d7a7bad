import { KeyService } from "../../gen/switchyard/v1/key_pb.js";
import { configured } from "../errors/gateway-error.js";
import { withStore } from "../services/admin-guards.js";
import { handlerCalls } from "../services/handler-calls.js";
import type { KeyHandlers } from "../services/key-service.js";
import { type RecentCall, recentCalls } from "../store/recent-calls.js";
import type { SpendRepository, SpendWindow } from "../store/spend-repository.js";
import type { Queryable } from "../store/store.js";
import { invalid, isoTime, object, optional } from "./input-schema.js";
import { type CallerContext, callService } from "./service-call.js";
import { adminProcedure, adminRouter } from "./trpc.js";

/** The spend log's read side. */
export interface SpendQueries extends Pick<SpendRepository, "spendByKey" | "spendByModel" | "spendByDay"> {
  recent(limit: number): Promise<RecentCall[]>;
}

/** The spend repository's totals, and the latest calls from the same table. */
export function spendQueries(
  repository: Pick<SpendRepository, "spendByKey" | "spendByModel" | "spendByDay">,
  store: Queryable,
): SpendQueries {
  return {
    spendByKey: (window) => repository.spendByKey(window),
    spendByModel: (window) => repository.spendByModel(window),
    spendByDay: (window) => repository.spendByDay(window),
    recent: (limit) => recentCalls(store, limit),
  };
}

export interface SpendDeps {
  /** Absent when the gateway runs without a database: every call answers SERVICE_UNAVAILABLE. */
  readonly spend?: SpendQueries;
  /** Names keys in spend by key; absent: token ids only. */
  readonly keys?: Pick<KeyHandlers, "listKeys">;
}

/** Totals over a window: US dollars, calls and tokens. */
export interface SpendAmounts {
  readonly spend: number;
  readonly requests: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
}

export interface KeySpend extends SpendAmounts {
  /** The virtual key's token id; null: calls made with the master key (or an open gateway). */
  readonly tokenId: string | null;
  readonly keyName?: string;
  readonly keyAlias?: string;
}

export interface ModelSpend extends SpendAmounts {
  /** The model group that answered; null: calls no deployment answered. */
  readonly model: string | null;
}

export interface DaySpend extends SpendAmounts {
  /** YYYY-MM-DD, UTC. */
  readonly day: string;
}

/** A call of the spend log as the console lists it; times ISO 8601. */
export interface CallLogEntry extends Omit<RecentCall, "startTime" | "apiKey"> {
  readonly startTime: string;
  readonly tokenId: string | null;
}

const DEFAULT_WINDOW_MS = 30 * 24 * 3600 * 1000;
const MAX_RECENT = 500;

/** [from, to) as ISO 8601; to defaults to now, from to 30 days before to. */
const windowInput = object({ from: optional(isoTime), to: optional(isoTime) });

export function spendRouter(deps: SpendDeps) {
  return adminRouter({
    byKey: adminProcedure.input(windowInput).query(async ({ ctx, input }): Promise<KeySpend[]> => {
      const window = windowOf(input);
      const totals = await read(deps, "read spend by key", (spend) => spend.spendByKey(window));
      const names = await keyNames(ctx, deps);
      return totals.map(({ group, ...amounts }) => {
        const key = group === null ? undefined : names.get(group);
        return { tokenId: group, ...key, ...amounts };
      });
    }),

    byModel: adminProcedure.input(windowInput).query(async ({ input }): Promise<ModelSpend[]> => {
      const window = windowOf(input);
      const totals = await read(deps, "read spend by model", (spend) => spend.spendByModel(window));
      return totals.map(({ group, ...amounts }) => ({ model: group, ...amounts }));
    }),

    byDay: adminProcedure.input(windowInput).query(async ({ input }): Promise<DaySpend[]> => {
      const window = windowOf(input);
      const totals = await read(deps, "read spend by day", (spend) => spend.spendByDay(window));
      return totals.map(({ group, ...amounts }) => ({ day: group ?? "", ...amounts }));
    }),
  });
}

export function logsRouter(deps: SpendDeps) {
  return adminRouter({
    /** The latest calls, newest first (at most 500; default 50): route, tokens, cost, status. */
    recent: adminProcedure
      .input(object({ limit: optional(limitField) }))
      .query(async ({ input }): Promise<CallLogEntry[]> => {
        const calls = await read(deps, "read the request log", (spend) => spend.recent(input.limit ?? 50));
        return calls.map(({ startTime, apiKey, ...call }) => ({
          ...call,
          startTime: startTime.toISOString(),
          tokenId: apiKey,
        }));
      }),
  });
}

function limitField(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_RECENT) {
    throw invalid(`${name} must be a whole number from 1 to ${MAX_RECENT}`);
  }
  return value;
}

function windowOf(input: { from?: string; to?: string }): SpendWindow {
  const to = input.to ? new Date(input.to) : new Date();
  const from = input.from ? new Date(input.from) : new Date(to.getTime() - DEFAULT_WINDOW_MS);
  if (from >= to) throw invalid("from must be before to");
  return { from, to };
}

async function read<Result>(
  deps: SpendDeps,
  action: string,
  run: (spend: SpendQueries) => Promise<Result>,
): Promise<Result> {
  const spend = configured(
    deps.spend,
    "the spend log needs a database, and this gateway runs without one",
    "store_unavailable",
  );
  return withStore(action, () => run(spend));
}

/** Token id → name and alias. A failure here costs only the names, not the totals. */
async function keyNames(
  ctx: CallerContext,
  deps: SpendDeps,
): Promise<Map<string, { keyName: string; keyAlias?: string }>> {
  const keys = deps.keys;
  if (!keys) return new Map();
  try {
    const response = await callService(ctx, handlerCalls(KeyService, keys)("listKeys"));
    return new Map(
      response.keys.map((key) => [
        key.tokenId,
        { keyName: key.keyName, keyAlias: key.keyAlias || undefined },
      ]),
    );
  } catch {
    return new Map();
  }
}
