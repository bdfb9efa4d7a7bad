import { setTimeout as wait } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/store/migrate.js";
import { SpendRepository, type SpendRow } from "../../src/store/spend-repository.js";
import type { Store } from "../../src/store/store.js";
import {
  call,
  pgliteBackend,
  postgresBackend,
  type StoreBackend,
  startStoreGateway,
} from "../credentials-e2e/store-gateway.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { scrape, total } from "../observability/prometheus-text.js";
import { countingStore } from "./counting-store.js";

let upstream: FakeOpenAI;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
});
afterAll(() => upstream.close());

function config(batchWriteSeconds: number): string {
  return `general_settings:
  master_key: os.environ/MASTER
  proxy_batch_write_at: ${batchWriteSeconds}
model_list:
  - model_name: gpt-test
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstream.url}, api_key: sk-test }
    model_info: { id: gpt-test-1 }
  - model_name: bad-request
    litellm_params: { model: openai/error-400, api_base: ${upstream.url}, api_key: sk-test }
`;
}

interface SpendLogRow {
  request_id: string;
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
  metadata: Record<string, string>;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  spend: number;
  status: string;
  status_code: number;
  error_type: string | null;
  latency_ms: number;
  start_time: Date;
  end_time: Date;
}

async function spendRows(store: Store): Promise<SpendLogRow[]> {
  return store.query<SpendLogRow>("select * from spend_logs order by start_time");
}

/** Polls until the table holds `count` rows; fails after 10 s. */
async function rowsWhen(store: Store, count: number): Promise<SpendLogRow[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const rows = await spendRows(store);
    if (rows.length >= count) return rows;
    if (Date.now() > deadline) throw new Error(`${rows.length} of ${count} spend rows after 10 s`);
    await wait(20);
  }
}

function chatBody(text: string, extra: Record<string, unknown> = {}) {
  return { model: "gpt-test", messages: [{ role: "user", content: text }], ...extra };
}

describe.each([postgresBackend(), pgliteBackend()])("the spend log on $name", (backend: StoreBackend) => {
  let store: Store;

  beforeAll(async () => {
    await backend.setUp();
    store = backend.open();
    // The embedded store's first start (initdb) takes seconds: done here, not in a test.
    await migrate(store);
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await backend.tearDown();
  });

  it("writes a row per call with its tokens and spend after a batch interval", async () => {
    await store.query("delete from spend_logs");
    const gateway = await startStoreGateway(config(0.05), { store, env: { MASTER: MASTER_KEY } });
    try {
      const answers = await Promise.all(
        ["one", "two words", "three little words"].map((text) =>
          call(
            `${gateway.url}/v1/chat/completions`,
            "POST",
            chatBody(text, { user: "user-9", metadata: { team: "search" } }),
          ),
        ),
      );
      const failed = await call(`${gateway.url}/v1/chat/completions`, "POST", {
        ...chatBody("nope"),
        model: "bad-request",
      });
      expect(failed.status).toBe(400);

      const rows = await rowsWhen(store, 4);
      expect(rows).toHaveLength(4);
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        const body = answer.body as { usage: { prompt_tokens: number; completion_tokens: number } };
        const row = rows.find(
          (candidate) => candidate.request_id === answer.headers.get("x-litellm-call-id"),
        );
        expect(row).toMatchObject({
          call_type: "chat",
          stream: false,
          model: "gpt-test",
          model_group: "gpt-test",
          deployment_id: "gpt-test-1",
          provider: "openai",
          upstream_model: "gpt-4o-mini",
          principal: "master",
          api_key: null,
          end_user: "user-9",
          metadata: { team: "search" },
          prompt_tokens: body.usage.prompt_tokens,
          completion_tokens: body.usage.completion_tokens,
          total_tokens: body.usage.prompt_tokens + body.usage.completion_tokens,
          status: "success",
          status_code: 200,
          error_type: null,
        });
        expect(row?.spend).toBe(Number(answer.headers.get("x-switchyard-response-cost")));
        expect(row!.end_time.getTime()).toBeGreaterThanOrEqual(row!.start_time.getTime());
      }
      const failure = rows.find((row) => row.model === "bad-request");
      expect(failure).toMatchObject({
        status: "failure",
        status_code: 400,
        error_type: "invalid_request_error",
        spend: 0,
        model_group: null,
      });
    } finally {
      await gateway.close();
    }
  });

  it("writes many calls in one INSERT, and what is buffered when the gateway closes", async () => {
    await store.query("delete from spend_logs");
    const counting = countingStore(store, /^\s*insert into spend_logs/);
    // An hour between writes: only a full batch or close can write.
    const gateway = await startStoreGateway(config(3600), { store: counting, env: { MASTER: MASTER_KEY } });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        call(`${gateway.url}/v1/chat/completions`, "POST", chatBody(`call ${index}`)),
      ),
    );
    for (const answer of answers) expect(answer.status).toBe(200);
    expect(counting.matched).toHaveLength(0);
    expect(await spendRows(store)).toHaveLength(0);
    const samples = await scrape(gateway.url);
    expect(total(samples, "switchyard_spend_log_buffered_rows")).toBe(20);
    expect(total(samples, "switchyard_spend_log_dropped_rows_total")).toBe(0);
    await gateway.close();
    expect(counting.matched).toHaveLength(1);
    const rows = await spendRows(store);
    expect(rows).toHaveLength(20);
    expect(new Set(rows.map((row) => row.request_id))).toEqual(
      new Set(answers.map((answer) => answer.headers.get("x-litellm-call-id"))),
    );
  });

  it("stores every character of what callers send, and tiny and exact numbers, as given", async () => {
    await store.query("delete from spend_logs");
    const tricky = 'a "quoted" \\back\\slash, {braces}, NULL\nnew line, tab\t, ünïcödé 🚀';
    await new SpendRepository(store).insert([
      {
        requestId: "tricky-1",
        startTime: new Date("2026-11-01T12:00:00.123Z"),
        endTime: new Date("2026-11-01T12:00:01.456Z"),
        callType: "chat",
        stream: true,
        model: "group, with {comma}",
        modelGroup: "NULL",
        deploymentId: "",
        provider: "openai",
        upstreamModel: null,
        principal: "master",
        apiKey: null,
        endUser: tricky,
        metadata: { note: tricky, 'key "with" quotes': "\\" },
        promptTokens: 2147483647,
        completionTokens: 0,
        cachedTokens: 0,
        totalTokens: 2147483647,
        spend: 1.5e-7,
        status: "failure",
        statusCode: 499,
        errorType: "a\\b",
        latencyMs: 0.001,
        ttftMs: null,
        cacheHit: true,
        cacheKey: "NULL",
      },
    ]);
    const [row] = await spendRows(store);
    expect(row).toMatchObject({
      request_id: "tricky-1",
      stream: true,
      model: "group, with {comma}",
      model_group: "NULL",
      deployment_id: "",
      upstream_model: null,
      end_user: tricky,
      metadata: { note: tricky, 'key "with" quotes': "\\" },
      prompt_tokens: 2147483647,
      completion_tokens: 0,
      spend: 1.5e-7,
      status_code: 499,
      error_type: "a\\b",
      latency_ms: 0.001,
    });
    expect(row?.start_time.toISOString()).toBe("2026-11-01T12:00:00.123Z");
  });

  it("answers spend by key, by model group and by day", async () => {
    await store.query("delete from spend_logs");
    const repository = new SpendRepository(store);
    const row = (id: string, day: string, apiKey: string | null, group: string, spend: number): SpendRow => ({
      requestId: id,
      startTime: new Date(`${day}T12:00:00Z`),
      endTime: new Date(`${day}T12:00:01Z`),
      callType: "chat",
      stream: false,
      model: group,
      modelGroup: group,
      deploymentId: `${group}-1`,
      provider: "openai",
      upstreamModel: group,
      principal: apiKey ? "virtual_key" : "master",
      apiKey,
      endUser: null,
      metadata: {},
      promptTokens: 10,
      completionTokens: 5,
      cachedTokens: 0,
      totalTokens: 15,
      spend,
      status: "success",
      statusCode: 200,
      errorType: null,
      latencyMs: 1000,
      ttftMs: null,
      cacheHit: false,
      cacheKey: null,
    });
    await repository.insert([
      row("a", "2026-11-01", "key-1", "gpt-4o", 0.25),
      row("b", "2026-11-01", "key-2", "gpt-4o", 0.5),
      row("c", "2026-11-02", "key-1", "claude", 1),
      row("d", "2026-11-02", null, "claude", 2),
      row("e", "2026-11-03", "key-1", "claude", 4),
    ]);
    // Written twice (a retried batch that had committed): still one row each.
    await repository.insert([row("a", "2026-11-01", "key-1", "gpt-4o", 0.25)]);
    const window = { from: new Date("2026-11-01T00:00:00Z"), to: new Date("2026-11-03T00:00:00Z") };

    expect(await repository.spendByKey(window)).toEqual([
      { group: "key-1", spend: 1.25, requests: 2, promptTokens: 20, completionTokens: 10 },
      { group: "key-2", spend: 0.5, requests: 1, promptTokens: 10, completionTokens: 5 },
      { group: null, spend: 2, requests: 1, promptTokens: 10, completionTokens: 5 },
    ]);
    expect(await repository.spendByModel(window)).toEqual([
      { group: "claude", spend: 3, requests: 2, promptTokens: 20, completionTokens: 10 },
      { group: "gpt-4o", spend: 0.75, requests: 2, promptTokens: 20, completionTokens: 10 },
    ]);
    expect(await repository.spendByDay(window)).toEqual([
      { group: "2026-11-01", spend: 0.75, requests: 2, promptTokens: 20, completionTokens: 10 },
      { group: "2026-11-02", spend: 3, requests: 2, promptTokens: 20, completionTokens: 10 },
    ]);
    expect(await repository.spendOfKey("key-1", window)).toBe(1.25);
    expect(await repository.spendOfKey("key-3", window)).toBe(0);
  });
});
