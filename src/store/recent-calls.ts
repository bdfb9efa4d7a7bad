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

interface Row {
  request_id: string;
  start_time: Date | string;
  call_type: string;
  stream: boolean;
  model: string;
  model_group: string | null;
  deployment_id: string | null;
  provider: string | null;
  principal: string;
  api_key: string | null;
  end_user: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  spend: number;
  status: string;
  status_code: number;
  error_type: string | null;
  latency_ms: number;
  ttft_ms: number | null;
}

/** The latest `limit` rows of spend_logs, newest first (its start_time index serves the order). */
export async function recentCalls(store: Queryable, limit: number): Promise<RecentCall[]> {
  const rows = await store.query<Row>(
    `select request_id, start_time, call_type, stream, model, model_group, deployment_id, provider,
            principal, api_key, end_user, prompt_tokens, completion_tokens, total_tokens, spend,
            status, status_code, error_type, latency_ms, ttft_ms
     from spend_logs
     order by start_time desc
     limit $1`,
    [limit],
  );
  return rows.map((row) => ({
    requestId: row.request_id,
    startTime: new Date(row.start_time),
    callType: row.call_type,
    stream: row.stream,
    model: row.model,
    modelGroup: row.model_group,
    deploymentId: row.deployment_id,
    provider: row.provider,
    principal: row.principal,
    apiKey: row.api_key,
    endUser: row.end_user,
    promptTokens: Number(row.prompt_tokens),
    completionTokens: Number(row.completion_tokens),
    totalTokens: Number(row.total_tokens),
    spend: Number(row.spend),
    status: row.status,
    statusCode: Number(row.status_code),
    errorType: row.error_type,
    latencyMs: Number(row.latency_ms),
    ttftMs: row.ttft_ms === null ? null : Number(row.ttft_ms),
  }));
}
