import { arrayLiteral } from "./array-literal.js";
import type { Queryable } from "./store.js";

/** One row of `spend_logs`: one finished call. */
export interface SpendRow {
  /** The call id (x-litellm-call-id). */
  readonly requestId: string;
  readonly startTime: Date;
  readonly endTime: Date;
  readonly callType: string;
  readonly stream: boolean;
  /** The model the caller asked for. */
  readonly model: string;
  readonly modelGroup: string | null;
  readonly deploymentId: string | null;
  readonly provider: string | null;
  readonly upstreamModel: string | null;
  readonly principal: string;
  /** A virtual key's token id; null for the master key and open gateways. */
  readonly apiKey: string | null;
  readonly endUser: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cachedTokens: number;
  readonly totalTokens: number;
  /** US dollars; 0 when the price is unknown. */
  readonly spend: number;
  readonly status: "success" | "failure";
  readonly statusCode: number;
  readonly errorType: string | null;
  readonly latencyMs: number;
  readonly ttftMs: number | null;
  /** Answered from the response cache, and the entry's key (LiteLLM's cache_hit, cache_key). */
  readonly cacheHit: boolean;
  readonly cacheKey: string | null;
}

/** Spend over a time window, for one key, model group or day. */
export interface SpendTotal {
  /** The api_key, model_group or day (YYYY-MM-DD, UTC) the total is for; null: rows without one. */
  readonly group: string | null;
  readonly spend: number;
  readonly requests: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/** One day's spend for one key, end user or model. */
export interface DailySpend extends SpendTotal {
  /** YYYY-MM-DD, UTC. */
  readonly day: string;
  readonly totalTokens: number;
}

/** Which rows `logs` returns; every field narrows. */
export interface SpendLogFilter extends SpendWindow {
  readonly apiKey?: string;
  readonly endUser?: string;
  readonly requestId?: string;
  /** Newest rows first, at most this many. */
  readonly limit: number;
}

/** A stored row as read back (metadata as stored). */
export type StoredSpendRow = Omit<SpendRow, "metadata"> & { readonly metadata: Record<string, unknown> };

/** [from, to): start times at or after `from` and before `to`. */
export interface SpendWindow {
  readonly from: Date;
  readonly to: Date;
}

/** The columns a row fills, with their types: the insert passes one array per column. */
const columns = [
  ["request_id", "text"],
  ["start_time", "timestamptz"],
  ["end_time", "timestamptz"],
  ["call_type", "text"],
  ["stream", "boolean"],
  ["model", "text"],
  ["model_group", "text"],
  ["deployment_id", "text"],
  ["provider", "text"],
  ["upstream_model", "text"],
  ["principal", "text"],
  ["api_key", "text"],
  ["end_user", "text"],
  ["metadata", "jsonb"],
  ["prompt_tokens", "integer"],
  ["completion_tokens", "integer"],
  ["cached_tokens", "integer"],
  ["total_tokens", "integer"],
  ["spend", "double precision"],
  ["status", "text"],
  ["status_code", "integer"],
  ["error_type", "text"],
  ["latency_ms", "double precision"],
  ["ttft_ms", "double precision"],
  ["cache_hit", "boolean"],
  ["cache_key", "text"],
] as const;

/**
 * One statement for any number of rows: a parameter per column, each an
 * array. Short and always the same text, so the database parses and plans
 * it cheaply — a VALUES list would grow by 24 parameters a row, which the
 * embedded Postgres (in this process) pays for in CPU.
 */
const insertSql = `insert into spend_logs (${columns.map(([name]) => name).join(", ")})
  select * from unnest(${columns.map(([, type], index) => `$${index + 1}::${type}[]`).join(", ")})
  on conflict (request_id) do nothing`;

/** The row's values in `columns` order. */
function valuesOf(row: SpendRow): unknown[] {
  return [
    row.requestId,
    row.startTime.toISOString(),
    row.endTime.toISOString(),
    row.callType,
    row.stream,
    row.model,
    row.modelGroup,
    row.deploymentId,
    row.provider,
    row.upstreamModel,
    row.principal,
    row.apiKey,
    row.endUser,
    JSON.stringify(row.metadata),
    row.promptTokens,
    row.completionTokens,
    row.cachedTokens,
    row.totalTokens,
    row.spend,
    row.status,
    row.statusCode,
    row.errorType,
    row.latencyMs,
    row.ttftMs,
    row.cacheHit,
    row.cacheKey,
  ];
}

interface TotalRow {
  group: string | null;
  spend: number | null;
  requests: number | string;
  prompt_tokens: number | string | null;
  completion_tokens: number | string | null;
}

/**
 * The `spend_logs` table: batched inserts from the spend log, and totals
 * by key, model group and day for budgets and the admin API.
 */
export class SpendRepository {
  readonly #store: Queryable;

  constructor(store: Queryable) {
    this.#store = store;
  }

  /** Writes rows in one statement. A row already there (a retried batch that had committed) is left as it is. */
  async insert(rows: readonly SpendRow[]): Promise<void> {
    if (rows.length === 0) return;
    // Plain index loops: this runs for every call the gateway answers, and iterators cost more than the copy.
    const arrays: unknown[][] = new Array(columns.length);
    for (let column = 0; column < columns.length; column++) arrays[column] = new Array<unknown>(rows.length);
    for (let rowIndex = 0; rowIndex < rows.length; rowIndex++) {
      const values = valuesOf(rows[rowIndex]!);
      for (let column = 0; column < values.length; column++) arrays[column]![rowIndex] = values[column];
    }
    await this.#store.query(insertSql, arrays.map(arrayLiteral));
  }

  /** Spend per api_key (virtual key token id; null: master key and open gateway). */
  spendByKey(window: SpendWindow): Promise<SpendTotal[]> {
    return this.#totals("api_key", window);
  }

  /** Spend per model group that answered (null: calls no deployment answered). */
  spendByModel(window: SpendWindow): Promise<SpendTotal[]> {
    return this.#totals("model_group", window);
  }

  /** Spend per UTC day, oldest first. */
  spendByDay(window: SpendWindow): Promise<SpendTotal[]> {
    return this.#totals("to_char(start_time at time zone 'UTC', 'YYYY-MM-DD')", window);
  }

  /**
   * Spend per UTC day and, within each day, per `by` (a virtual key's token id, the end user, or the
   * model group that answered, else the model asked for); oldest day first. Summed by the database.
   */
  async spendByDayAnd(by: "api_key" | "end_user" | "model", window: SpendWindow): Promise<DailySpend[]> {
    // `by` picks one of these fixed expressions, never caller text.
    const column = { api_key: "api_key", end_user: "end_user", model: "coalesce(model_group, model)" }[by];
    const rows = await this.#store.query<TotalRow & { day: string; total_tokens: number | string | null }>(
      `select to_char(start_time at time zone 'UTC', 'YYYY-MM-DD') as day, ${column} as "group",
              sum(spend) as spend, count(*) as requests, sum(prompt_tokens) as prompt_tokens,
              sum(completion_tokens) as completion_tokens, sum(total_tokens) as total_tokens
       from spend_logs
       where start_time >= $1 and start_time < $2
       group by 1, 2
       order by 1, 2`,
      [window.from.toISOString(), window.to.toISOString()],
    );
    return rows.map((row) => ({ ...totalOf(row), day: row.day, totalTokens: Number(row.total_tokens ?? 0) }));
  }

  /** Rows of the window, newest first, narrowed by key, end user or call id. */
  async logs(filter: SpendLogFilter): Promise<StoredSpendRow[]> {
    const conditions = ["start_time >= $1", "start_time < $2"];
    const params: unknown[] = [filter.from.toISOString(), filter.to.toISOString()];
    const narrow = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      params.push(value);
      conditions.push(`${column} = $${params.length}`);
    };
    narrow("api_key", filter.apiKey);
    narrow("end_user", filter.endUser);
    narrow("request_id", filter.requestId);
    params.push(filter.limit);
    const rows = await this.#store.query<LogRow>(
      `select * from spend_logs where ${conditions.join(" and ")} order by start_time desc limit $${params.length}`,
      params,
    );
    return rows.map(rowOf);
  }

  /** One key's spend in the window (budgets). */
  async spendOfKey(apiKey: string, window: SpendWindow): Promise<number> {
    const [row] = await this.#store.query<{ spend: number | null }>(
      `select sum(spend) as spend from spend_logs
       where api_key = $1 and start_time >= $2 and start_time < $3`,
      [apiKey, window.from.toISOString(), window.to.toISOString()],
    );
    return Number(row?.spend ?? 0);
  }

  async #totals(groupBy: string, window: SpendWindow): Promise<SpendTotal[]> {
    // groupBy is one of the fixed expressions above, never caller input.
    const rows = await this.#store.query<TotalRow>(
      `select ${groupBy} as "group", sum(spend) as spend, count(*) as requests,
              sum(prompt_tokens) as prompt_tokens, sum(completion_tokens) as completion_tokens
       from spend_logs
       where start_time >= $1 and start_time < $2
       group by 1
       order by 1`,
      [window.from.toISOString(), window.to.toISOString()],
    );
    return rows.map(totalOf);
  }
}

/** count and sum(integer) are bigints, which pg returns as strings. */
function totalOf(row: TotalRow): SpendTotal {
  return {
    group: row.group,
    spend: Number(row.spend ?? 0),
    requests: Number(row.requests),
    promptTokens: Number(row.prompt_tokens ?? 0),
    completionTokens: Number(row.completion_tokens ?? 0),
  };
}

/** A spend_logs row as the driver returns it (pg: timestamps as Date; PGlite alike). */
interface LogRow {
  request_id: string;
  start_time: Date | string;
  end_time: Date | string;
  call_type: string;
  stream: boolean;
  model: string;
  model_group: string | null;
  deployment_id: string | null;
  provider: string | null;
  upstream_model: string | null;
  principal: string;
  api_key: string | null;
  end_user: string | null;
  metadata: Record<string, unknown> | string | null;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  total_tokens: number;
  spend: number;
  status: "success" | "failure";
  status_code: number;
  error_type: string | null;
  latency_ms: number;
  ttft_ms: number | null;
  cache_hit: boolean;
  cache_key: string | null;
}

function rowOf(row: LogRow): StoredSpendRow {
  return {
    requestId: row.request_id,
    startTime: new Date(row.start_time),
    endTime: new Date(row.end_time),
    callType: row.call_type,
    stream: row.stream,
    model: row.model,
    modelGroup: row.model_group,
    deploymentId: row.deployment_id,
    provider: row.provider,
    upstreamModel: row.upstream_model,
    principal: row.principal,
    apiKey: row.api_key,
    endUser: row.end_user,
    metadata: typeof row.metadata === "string" ? JSON.parse(row.metadata) : (row.metadata ?? {}),
    promptTokens: Number(row.prompt_tokens),
    completionTokens: Number(row.completion_tokens),
    cachedTokens: Number(row.cached_tokens),
    totalTokens: Number(row.total_tokens),
    spend: Number(row.spend),
    status: row.status,
    statusCode: Number(row.status_code),
    errorType: row.error_type,
    latencyMs: Number(row.latency_ms),
    ttftMs: row.ttft_ms === null ? null : Number(row.ttft_ms),
    cacheHit: row.cache_hit === true,
    cacheKey: row.cache_key,
  };
}
