import { setTimeout as waitFor } from "node:timers/promises";
import Anthropic from "@anthropic-ai/sdk";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role } from "../../gen/switchyard/v1/chat_pb.js";
import { CompletionService } from "../../gen/switchyard/v1/completion_pb.js";
import { tokenIdOf } from "../../src/keys/virtual-key.js";
import { minuteOf } from "../../src/router/router-state.js";
import { migrate } from "../../src/store/migrate.js";
import type { Store } from "../../src/store/store.js";
import { capturingLogger } from "../credentials-e2e/store-gateway.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { deleteKeys, REDIS_URL, redisClient, redisSkipReason, uniqueKeyPrefix } from "../helpers/redis.js";
import {
  type EnforcedGateway,
  eventually,
  generateKey,
  startEnforcedGateway,
} from "./enforcement-gateway.js";
import { postgresBackend } from "./key-gateway.js";

const backend = postgresBackend();
const redisSkip = await redisSkipReason();
if (redisSkip) console.warn(`key rate limit tests skipped: ${redisSkip}`);

/** "hi" is 1 prompt token, "echo: hi" 2 completion tokens. */
const CALL_TOKENS = 3;

describe.skipIf(backend.skipReason !== undefined || redisSkip !== undefined)(
  "a key's rate limits, on two replicas sharing Redis",
  // A test that starts in a minute's last 5 s waits for the next minute first (awayFromMinuteEnd).
  { timeout: 20_000 },
  () => {
    const prefix = uniqueKeyPrefix();
    let upstream: FakeOpenAI;
    let admin: Redis;
    const stores: Store[] = [];
    let first: EnforcedGateway;
    let second: EnforcedGateway;

    beforeAll(async () => {
      admin = redisClient();
      upstream = await startFakeOpenAI();
      await backend.setUp();
      const entry = (name: string, model: string) =>
        `  - model_name: ${name}\n    litellm_params: { model: openai/${model}, api_base: ${upstream.url}, api_key: sk-up }`;
      const yaml = [
        `general_settings: { master_key: ${MASTER_KEY} }`,
        "model_list:",
        entry("chat", "gpt-4o-mini"),
        entry("slow", "slow-1000"),
        entry("slow-stream", "slow-stream-100"),
        "",
      ].join("\n");
      const replicas: EnforcedGateway[] = [];
      for (let index = 0; index < 2; index++) {
        const store = backend.open();
        stores.push(store);
        if (index === 0) await migrate(store);
        const lines: string[] = [];
        replicas.push(
          await startEnforcedGateway(yaml, {
            store,
            // A loaded test machine can stall a command past the default 100 ms, and a replica
            // would then count on its own for a while: not what these tests are about.
            env: { REDIS_URL, SWITCHYARD_REDIS_PREFIX: prefix, SWITCHYARD_REDIS_TIMEOUT_MS: "5000" },
            logger: capturingLogger(lines),
          }),
        );
        // Until then counts would stay in this replica.
        await eventually(() => lines.some((line) => line.includes("Redis connected")));
      }
      [first, second] = replicas as [EnforcedGateway, EnforcedGateway];
    }, 60_000);
    afterAll(async () => {
      await Promise.all([first?.close(), second?.close()]);
      await Promise.all(stores.map((store) => store.close()));
      await upstream?.close();
      await backend.tearDown();
      await deleteKeys(admin, prefix);
      admin.disconnect();
    });

    /** Limits count per clock minute: a test must not start in the last seconds of one. */
    async function awayFromMinuteEnd(): Promise<void> {
      const intoMinute = Date.now() % 60_000;
      if (intoMinute > 55_000) await waitFor(60_000 - intoMinute + 50);
    }

    async function chat(gateway: EnforcedGateway, key: string, model = "chat", signal?: AbortSignal) {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
        signal,
      });
      const body = (await response.json()) as { error?: { message: string; code: string } };
      return { status: response.status, headers: response.headers, body };
    }

    const connect = (gateway: EnforcedGateway) =>
      createClient(CompletionService, createConnectTransport({ baseUrl: gateway.url, httpVersion: "2" }));
    const hi = { role: Role.USER, content: [{ part: { case: "text" as const, value: "hi" } }] };

    it("lets no more than rpm_limit requests a minute through, across both replicas", async () => {
      await awayFromMinuteEnd();
      const key = await generateKey(first.url, { key_alias: "rpm-team", rpm_limit: 4 });
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, index) => chat(index % 2 === 0 ? first : second, key)),
      );
      const answered = answers.filter((answer) => answer.status === 200);
      const refused = answers.filter((answer) => answer.status === 429);
      expect(answered).toHaveLength(4);
      expect(refused).toHaveLength(6);
      for (const answer of answered) expect(answer.headers.get("x-ratelimit-limit-requests")).toBe("4");
      const refusal = refused[0]!;
      expect(refusal.body.error?.code).toBe("rate_limit_exceeded");
      expect(refusal.body.error?.message).toContain('key alias "rpm-team"');
      expect(refusal.body.error?.message).toContain("4 requests per minute (rpm_limit)");
      expect(Number(refusal.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(refusal.headers.get("x-ratelimit-remaining-requests")).toBe("0");
      // One counter in Redis holds the minute for both replicas.
      const counter = await admin.get(`${prefix}rpm:key:${tokenIdOf(key)}:${minuteOf(Date.now())}`);
      expect(counter).toBe("4");

      const connectError = await connect(second)
        .createChatCompletion(
          { model: "chat", messages: [hi] },
          { headers: { authorization: `Bearer ${key}` } },
        )
        .then(
          () => undefined,
          (reason: unknown) => ConnectError.from(reason),
        );
      expect(connectError?.code).toBe(Code.ResourceExhausted);
      expect(connectError?.metadata.get("x-ratelimit-remaining-requests")).toBe("0");

      const anthropic = new Anthropic({ apiKey: key, baseURL: first.url, maxRetries: 0 });
      const anthropicError = await anthropic.messages
        .create({ model: "chat", max_tokens: 20, messages: [{ role: "user", content: "hi" }] })
        .then(
          () => undefined,
          (reason: unknown) => reason,
        );
      expect(anthropicError).toBeInstanceOf(Anthropic.RateLimitError);
    });

    it("reports limits and what is left in x-ratelimit-* headers, on REST and Connect", async () => {
      await awayFromMinuteEnd();
      const key = await generateKey(first.url, { rpm_limit: 10, tpm_limit: 1000 });
      const firstCall = await chat(first, key);
      expect(firstCall.status).toBe(200);
      expect(
        Object.fromEntries([...firstCall.headers].filter(([name]) => name.startsWith("x-ratelimit-"))),
      ).toEqual({
        "x-ratelimit-limit-requests": "10",
        "x-ratelimit-remaining-requests": "9",
        "x-ratelimit-limit-tokens": "1000",
        "x-ratelimit-remaining-tokens": "1000",
      });
      const secondCall = await chat(second, key);
      expect(secondCall.headers.get("x-ratelimit-remaining-requests")).toBe("8");
      expect(secondCall.headers.get("x-ratelimit-remaining-tokens")).toBe(String(1000 - CALL_TOKENS));

      let headers: Headers | undefined;
      await connect(first).createChatCompletion(
        { model: "chat", messages: [hi] },
        { headers: { authorization: `Bearer ${key}` }, onHeader: (received) => (headers = received) },
      );
      expect(headers?.get("x-ratelimit-remaining-requests")).toBe("7");
      expect(headers?.get("x-ratelimit-remaining-tokens")).toBe(String(1000 - 2 * CALL_TOKENS));

      // Keys without limits, and the master key, get none of these headers.
      const unlimited = await chat(first, await generateKey(first.url, {}));
      const master = await chat(first, MASTER_KEY);
      for (const answer of [unlimited, master]) {
        expect(answer.status).toBe(200);
        expect([...answer.headers.keys()].filter((name) => name.startsWith("x-ratelimit-"))).toEqual([]);
      }
    });

    it("refuses calls once the minute's tokens reach tpm_limit, counted after each call on either replica", async () => {
      await awayFromMinuteEnd();
      const key = await generateKey(first.url, { tpm_limit: 2 * CALL_TOKENS - 1 });
      expect((await chat(first, key)).status).toBe(200);
      // 3 tokens used of 5: room for one more call, whatever it uses.
      expect((await chat(second, key)).status).toBe(200);
      const refused = await chat(first, key);
      expect(refused.status).toBe(429);
      expect(refused.body.error?.message).toContain("tokens per minute (tpm_limit)");
      expect(refused.headers.get("x-ratelimit-remaining-tokens")).toBe("0");
    });

    it("holds max_parallel_requests across replicas and frees a slot when a call ends", async () => {
      const key = await generateKey(first.url, { key_alias: "parallel-team", max_parallel_requests: 2 });
      const answers = await Promise.all([
        chat(first, key, "slow"),
        chat(second, key, "slow"),
        chat(first, key, "slow"),
      ]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 429]);
      const refusal = answers.find((answer) => answer.status === 429)!;
      expect(refusal.body.error?.message).toContain(
        "2 requests are already under way (max_parallel_requests)",
      );
      // Both calls ended: their slots are free again.
      await eventually(async () => (await chat(second, key)).status === 200);
    });

    it("frees a stream's slot when the caller leaves it", async () => {
      const key = await generateKey(first.url, { max_parallel_requests: 1 });
      const leaving = new AbortController();
      const response = await fetch(`${first.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({
          model: "slow-stream",
          stream: true,
          messages: [{ role: "user", content: "a long answer with many many words to stream slowly" }],
        }),
        signal: leaving.signal,
      });
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      await reader.read();
      // The stream holds the key's one slot.
      expect((await chat(second, key)).status).toBe(429);
      leaving.abort();
      await reader.cancel().catch(() => {});
      await eventually(async () => (await chat(second, key)).status === 200);
    });
  },
);
