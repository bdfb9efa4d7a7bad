import { Code } from "@connectrpc/connect";
import { configured, GatewayError } from "../../errors/gateway-error.js";
import { doorRoute, type Endpoint } from "../../http/door-kit/door.js";
import { sendJson } from "../../http/door-kit/json-answer.js";
import { type DoorDeps, openAIDoor } from "../../http/door-kit/openai-door.js";
import { queryOf } from "../../http/door-kit/request-parts.js";
import type { Route } from "../../http/route-table.js";
import { tokenIdOf } from "../../keys/virtual-key.js";
import { isAdmin, withStore } from "../../services/admin-guards.js";
import type {
  DailySpend,
  SpendRepository,
  SpendWindow,
  StoredSpendRow,
} from "../../store/spend-repository.js";

export interface SpendRoutesDeps extends DoorDeps {
  /** Absent without a database: the routes answer 503. */
  readonly spend?: SpendRepository;
}

/** Rows one /spend/logs answer holds at most (newest first). */
const MAX_LOG_ROWS = 1000;
const DAY_MS = 86_400_000;
const NO_DATABASE = "spend reports need a database, and this gateway runs without one";

/**
 * LiteLLM's spend routes over the spend log (BerriAI/litellm proxy/spend_tracking/spend_management_endpoints.py):
 * `GET /spend/logs` (`api_key`, `user_id`, `request_id`, `start_date`, `end_date`; rows in LiteLLM's
 * LiteLLM_SpendLogs shape, newest first, at most 1,000) and `GET /global/spend/report`
 * (`start_date`, `end_date`, `group_by` = `api_key` | `customer` | `model`; one entry per day).
 * Admins see everything; a virtual key sees its own calls only.
 */
export function spendRoutes(deps: SpendRoutesDeps): Route[] {
  const door = openAIDoor(deps);

  /** One read of the spend log; no database, or a failing one, answers 503. */
  const read = <Result>(query: (spend: SpendRepository) => Promise<Result>) =>
    withStore("read the spend log", () => query(configured(deps.spend, NO_DATABASE, "store_unavailable")));

  const logs: Endpoint = async (request, response, principal) => {
    const query = queryOf(request);
    const window = windowOf(query);
    let apiKey = optional(query, "api_key");
    if (apiKey?.startsWith("sk-")) apiKey = tokenIdOf(apiKey);
    if (!isAdmin(principal)) {
      if (principal.kind !== "virtual_key") throw adminOnly();
      // A key may read its own calls, as LiteLLM lets it.
      if (apiKey !== undefined && apiKey !== principal.key.tokenId) throw adminOnly();
      apiKey = principal.key.tokenId;
    }
    const rows = await read((spend) =>
      spend.logs({
        ...window,
        ...(apiKey !== undefined && { apiKey }),
        ...(optional(query, "user_id") !== undefined && { endUser: optional(query, "user_id") }),
        ...(optional(query, "request_id") !== undefined && { requestId: optional(query, "request_id") }),
        limit: MAX_LOG_ROWS,
      }),
    );
    sendJson(response, 200, rows.map(litellmSpendLog));
  };

  const report: Endpoint = async (request, response, principal) => {
    if (!isAdmin(principal)) throw adminOnly();
    const query = queryOf(request);
    const groupBy = optional(query, "group_by") ?? "api_key";
    const grouping = GROUPINGS[groupBy];
    if (!grouping) {
      throw GatewayError.invalidArgument(
        `group_by must be one of ${Object.keys(GROUPINGS).join(", ")} (Switchyard has no teams)`,
        "group_by",
      );
    }
    const totals = await read((spend) => spend.spendByDayAnd(grouping.by, windowOf(query)));
    sendJson(response, 200, dailyReport(totals, grouping));
  };

  return [
    doorRoute(door, "GET", "/spend/logs", logs),
    doorRoute(door, "GET", "/global/spend/report", report),
  ];
}

/** How /global/spend/report names a group: the list's field, the entry's key, and the column summed by. */
interface Grouping {
  readonly list: string;
  readonly field: string;
  readonly by: "api_key" | "end_user" | "model";
}

const GROUPINGS: Readonly<Record<string, Grouping>> = {
  api_key: { list: "api_keys", field: "api_key", by: "api_key" },
  customer: { list: "customers", field: "customer", by: "end_user" },
  model: { list: "models", field: "model", by: "model" },
};

/** The database's day × group totals as LiteLLM's report: one entry per day, oldest first. */
function dailyReport(totals: readonly DailySpend[], grouping: Grouping) {
  const days = new Map<string, DailySpend[]>();
  for (const total of totals) {
    const day = days.get(total.day) ?? [];
    day.push(total);
    days.set(total.day, day);
  }
  return [...days].map(([day, groups]) => ({
    group_by_day: day,
    [grouping.list]: groups.map((total) => ({
      [grouping.field]: total.group,
      total_cost: total.spend,
      total_tokens: total.totalTokens,
      requests: total.requests,
    })),
  }));
}

/** A row as LiteLLM's LiteLLM_SpendLogs. */
function litellmSpendLog(row: StoredSpendRow) {
  return {
    request_id: row.requestId,
    call_type: row.callType,
    api_key: row.apiKey ?? "",
    spend: row.spend,
    total_tokens: row.totalTokens,
    prompt_tokens: row.promptTokens,
    completion_tokens: row.completionTokens,
    startTime: row.startTime.toISOString(),
    endTime: row.endTime.toISOString(),
    completionStartTime:
      row.ttftMs === null ? null : new Date(row.startTime.getTime() + row.ttftMs).toISOString(),
    model: row.upstreamModel ?? row.model,
    model_id: row.deploymentId ?? "",
    model_group: row.modelGroup ?? "",
    custom_llm_provider: row.provider ?? "",
    user: row.endUser ?? "",
    end_user: row.endUser ?? "",
    metadata: row.metadata,
    cache_hit: row.cacheHit ? "True" : "False",
    cache_key: row.cacheKey ?? "",
    status: row.status,
    request_tags: [],
  };
}

/** start_date / end_date as LiteLLM takes them (YYYY-MM-DD, end day included); absent: all time. */
function windowOf(query: URLSearchParams): SpendWindow {
  const start = optional(query, "start_date");
  const end = optional(query, "end_date");
  return {
    from: start === undefined ? new Date(0) : dateOf(start, "start_date"),
    to:
      end === undefined
        ? new Date(Date.now() + DAY_MS)
        : new Date(dateOf(end, "end_date").getTime() + DAY_MS),
  };
}

function dateOf(text: string, param: string): Date {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T00:00:00Z`) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime()))
    throw GatewayError.invalidArgument(`${param} must be a date, YYYY-MM-DD`, param);
  return date;
}

function optional(query: URLSearchParams, name: string): string | undefined {
  const value = query.get(name);
  return value === null || value === "" ? undefined : value;
}

function adminOnly(): GatewayError {
  return new GatewayError({
    code: Code.PermissionDenied,
    message: "spend reports need the master key or an admin key; a virtual key may read its own /spend/logs",
    errorCode: "admin_only",
  });
}
