import { Writable } from "node:stream";
import { setTimeout as wait } from "node:timers/promises";
import OpenAI from "openai";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { logLevelOf } from "../../src/observability/logger.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { type RunningGateway, startGatewayWith } from "../helpers/start-gateway.js";

// Marker secrets: neither may appear anywhere in the log.
const UPSTREAM_KEY = "sk-upstream-MARKER-51d0e2";
const PROMPT_TEXT = "the caller's private words";

let upstream: FakeOpenAI;
let running: RunningGateway | undefined;

beforeAll(async () => {
  upstream = await startFakeOpenAI({ apiKey: UPSTREAM_KEY });
});
afterAll(() => upstream.close());
afterEach(async () => {
  await running?.close();
  running = undefined;
});

/** A gateway whose logger writes every line into `lines`, as pino would to stdout. */
async function start(lines: string[], litellmSettings = "", level = "info"): Promise<OpenAI> {
  const yaml = `general_settings:
  master_key: os.environ/MASTER
model_list:
  - model_name: gpt-test
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstream.url}, api_key: os.environ/UPSTREAM }
  - model_name: bad-request
    litellm_params: { model: openai/error-400, api_base: ${upstream.url}, api_key: os.environ/UPSTREAM }
${litellmSettings}`;
  const env = { MASTER: MASTER_KEY, UPSTREAM: UPSTREAM_KEY };
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      callback();
    },
  });
  running = await startGatewayWith(yaml, { env, logger: pino({ level }, destination) });
  return new OpenAI({ apiKey: MASTER_KEY, baseURL: `${running.url}/v1`, maxRetries: 0 });
}

type Line = Record<string, unknown>;

function requestLines(lines: readonly string[]): Line[] {
  return lines.map((line) => JSON.parse(line) as Line).filter((line) => line.msg === "request");
}

/** Waits until `count` request lines are there (a stream's line is written as it ends). */
async function requestLinesWhen(lines: readonly string[], count: number): Promise<Line[]> {
  const deadline = Date.now() + 5000;
  while (requestLines(lines).length < count && Date.now() < deadline) await wait(10);
  return requestLines(lines);
}

describe("the access log", () => {
  it("writes one line per call with the route, status, timing, tokens and cost", async () => {
    const lines: string[] = [];
    const client = await start(lines);
    const { data: completion, response } = await client.chat.completions
      .create({ model: "gpt-test", messages: [{ role: "user", content: PROMPT_TEXT }], user: "user-42" })
      .withResponse();
    const failure = await client.chat.completions
      .create({ model: "bad-request", messages: [{ role: "user", content: PROMPT_TEXT }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    const stream = await client.chat.completions.create({
      model: "gpt-test",
      messages: [{ role: "user", content: PROMPT_TEXT }],
      stream: true,
    });
    for await (const _chunk of stream);

    const [success, failed, streamed] = await requestLinesWhen(lines, 3);
    expect(requestLines(lines)).toHaveLength(3);
    expect(success).toMatchObject({
      level: 30,
      callId: response.headers.get("x-litellm-call-id"),
      surface: "rest",
      kind: "chat",
      stream: false,
      model: "gpt-test",
      modelGroup: "gpt-test",
      deployment: response.headers.get("x-litellm-model-id"),
      provider: "openai",
      upstreamModel: "gpt-4o-mini",
      status: 200,
      promptTokens: completion.usage?.prompt_tokens,
      completionTokens: completion.usage?.completion_tokens,
      costUsd: Number(response.headers.get("x-switchyard-response-cost")),
      retries: 0,
      fallbacks: 0,
      principal: "master",
      user: "user-42",
    });
    expect(success?.latencyMs).toBeGreaterThan(0);
    expect(success?.overheadMs).toBeGreaterThanOrEqual(0);
    expect(success).not.toHaveProperty("errorType");

    expect(failed).toMatchObject({ model: "bad-request", status: 400, errorType: "invalid_request_error" });
    expect(failed?.error).toContain("temperature");
    expect(streamed).toMatchObject({ stream: true, status: 200, modelGroup: "gpt-test" });
    expect(streamed?.ttftMs).toBeGreaterThan(0);
    expect(streamed?.promptTokens).toBeGreaterThan(0);

    const everything = lines.join("\n");
    expect(everything).not.toContain(MASTER_KEY);
    expect(everything).not.toContain(UPSTREAM_KEY);
    // No bodies unless enabled.
    expect(everything).not.toContain(PROMPT_TEXT);
    expect(everything).not.toContain("echo:");
  });

  it("adds messages and the answer with litellm_settings.log_message_content", async () => {
    const lines: string[] = [];
    const client = await start(lines, "litellm_settings:\n  log_message_content: true\n");
    await client.chat.completions.create({
      model: "gpt-test",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: PROMPT_TEXT },
      ],
    });
    const stream = await client.chat.completions.create({
      model: "gpt-test",
      messages: [{ role: "user", content: "streamed words" }],
      stream: true,
    });
    for await (const _chunk of stream);
    const [unary, streamed] = await requestLinesWhen(lines, 2);
    expect(unary?.input).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: PROMPT_TEXT },
    ]);
    expect(unary?.output).toBe(`echo: ${PROMPT_TEXT}`);
    expect(streamed?.output).toBe("echo: streamed words");
    expect(lines.join("\n")).not.toContain(UPSTREAM_KEY);
  });

  it("writes nothing at a level above info", async () => {
    const lines: string[] = [];
    const client = await start(lines, "", "warn");
    await client.chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] });
    expect(requestLines(lines)).toHaveLength(0);
  });
});

describe("the log level", () => {
  it("takes LOG_LEVEL first, then LITELLM_LOG, then set_verbose, else info", () => {
    expect(logLevelOf({})).toBe("info");
    expect(logLevelOf({ LOG_LEVEL: "warn", LITELLM_LOG: "DEBUG" })).toBe("warn");
    expect(logLevelOf({ LOG_LEVEL: "SILENT" })).toBe("silent");
    expect(logLevelOf({ LITELLM_LOG: "DEBUG" })).toBe("debug");
    expect(logLevelOf({ LITELLM_LOG: "warning" })).toBe("warn");
    expect(logLevelOf({ LITELLM_LOG: "CRITICAL" })).toBe("fatal");
    expect(logLevelOf({}, { set_verbose: true })).toBe("debug");
    expect(logLevelOf({ LITELLM_LOG: "ERROR" }, { set_verbose: true })).toBe("error");
  });

  it("ignores values it does not know rather than failing the start", () => {
    expect(logLevelOf({ LOG_LEVEL: "loud", LITELLM_LOG: "verbose" })).toBe("info");
    expect(logLevelOf({ LOG_LEVEL: "constructor" })).toBe("info");
  });
});
