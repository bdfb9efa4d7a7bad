import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../../fakes/openai-upstream.js";
import { type FakeCollector, type ReceivedSpan, startFakeCollector } from "../../fakes/otlp-collector.js";
import { MASTER_KEY } from "../../helpers/master-key.js";
import { LEVO_KEY, levoEnv, startTracedGateway, type TracedGateway, UPSTREAM_KEY } from "./traced-gateway.js";

let upstream: FakeOpenAI;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  upstream = await startFakeOpenAI({ apiKey: UPSTREAM_KEY });
});
afterAll(() => upstream.close());
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function collector(): Promise<FakeCollector> {
  const started = await startFakeCollector();
  cleanups.push(() => started.close());
  return started;
}

/** A gateway exporting to Levo at `levo`; closed by the test (to flush) or afterwards. */
async function levoGateway(
  levo: FakeCollector,
  litellmSettings = '  callbacks: ["levo"]',
  env: NodeJS.ProcessEnv = {},
): Promise<TracedGateway> {
  const traced = await startTracedGateway({
    upstream,
    litellmSettings,
    environmentVariables: "  LEVOAI_ENV_NAME: staging",
    env: { ...levoEnv(levo.url), ...env },
  });
  cleanups.push(() => traced.close());
  return traced;
}

function spanNamed(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const found = spans.filter((span) => span.name === name);
  expect(found, `one span named ${name}`).toHaveLength(1);
  return found[0]!;
}

const chatRequest = {
  model: "gpt-test",
  messages: [
    { role: "system" as const, content: "Be brief." },
    { role: "user" as const, content: "tell me the secret recipe" },
  ],
};

describe("the levo callback", () => {
  it("exports each successful call as a GenAI span to {collector}/v1/traces with Levo's headers", async () => {
    const levo = await collector();
    const traced = await levoGateway(levo);
    const before = Date.now();
    const { data: completion, response } = await traced.client.chat.completions
      .create({ ...chatRequest, temperature: 0.3, max_tokens: 50, top_p: 0.9, user: "end-user-1" })
      .withResponse();
    const after = Date.now();
    await traced.close();

    expect(levo.exports.length).toBeGreaterThan(0);
    for (const received of levo.exports) {
      expect(received.path).toBe("/v1/traces");
      expect(received.headers["content-type"]).toBe("application/json");
      expect(received.headers.authorization).toBe(`Bearer ${LEVO_KEY}`);
      expect(received.headers["x-levo-organization-id"]).toBe("org-42");
      expect(received.headers["x-levo-workspace-id"]).toBe("ws-7");
    }
    const span = spanNamed(levo.spans(), "chat gpt-test");
    expect(span.kind).toBe(3); // CLIENT
    expect(span.status.code).toBe(0); // unset: the conventions leave successes alone
    expect(span.startTime).toBeGreaterThanOrEqual(before - 1);
    expect(span.endTime).toBeGreaterThanOrEqual(span.startTime);
    expect(span.endTime).toBeLessThanOrEqual(after + 1);
    expect(span.resource).toMatchObject({
      "service.name": "switchyard",
      "deployment.environment.name": "staging",
      "telemetry.sdk.language": "nodejs",
    });
    expect(span.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.system": "openai",
      "gen_ai.request.model": "gpt-test",
      "gen_ai.response.model": "gpt-4o-mini",
      "gen_ai.request.stream": false,
      "gen_ai.request.temperature": 0.3,
      "gen_ai.request.max_tokens": 50,
      "gen_ai.request.top_p": 0.9,
      "gen_ai.usage.input_tokens": completion.usage!.prompt_tokens,
      "gen_ai.usage.output_tokens": completion.usage!.completion_tokens,
      "switchyard.call_id": response.headers.get("x-litellm-call-id"),
      "switchyard.model_group": "gpt-test",
      "switchyard.deployment_id": response.headers.get("x-litellm-model-id"),
      "switchyard.retries": 0,
      "switchyard.fallbacks": 0,
      "switchyard.surface": "rest",
      "user.id": "end-user-1",
    });
    expect(span.attributes["switchyard.cost_usd"]).toBeGreaterThan(0);
    expect(span.attributes["switchyard.overhead_ms"]).toBeGreaterThanOrEqual(0);
    expect(span.attributes).not.toHaveProperty("error.type");
  });

  it("exports failed calls with error.type and an ERROR status, routed or not", async () => {
    const levo = await collector();
    const traced = await levoGateway(levo);
    await expect(
      traced.client.chat.completions.create({ ...chatRequest, model: "bad-request" }),
    ).rejects.toThrow(OpenAI.BadRequestError);
    await expect(
      traced.client.chat.completions.create({ ...chatRequest, model: "no-such-model" }),
    ).rejects.toThrow(OpenAI.APIError);
    await traced.close();

    const upstreamError = spanNamed(levo.spans(), "chat bad-request");
    expect(upstreamError.status.code).toBe(2); // ERROR
    expect(upstreamError.status.message).toBeTruthy();
    expect(upstreamError.attributes).toMatchObject({
      "error.type": "invalid_request_error",
      "switchyard.error.code": "InvalidArgument",
      "switchyard.error.http_status": 400,
      "gen_ai.request.model": "bad-request",
    });
    const unrouted = spanNamed(levo.spans(), "chat no-such-model");
    expect(unrouted.status.code).toBe(2);
    expect(unrouted.attributes["error.type"]).toBeTypeOf("string");
    expect(unrouted.attributes["gen_ai.request.model"]).toBe("no-such-model");
    expect(unrouted.attributes).not.toHaveProperty("gen_ai.provider.name");
  });

  it("records streams with time to first chunk, and text completions and embeddings by operation", async () => {
    const levo = await collector();
    const traced = await levoGateway(levo);
    const stream = await traced.client.chat.completions.create({
      ...chatRequest,
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) usage = chunk.usage ?? usage;
    await traced.client.completions.create({ model: "gpt-test", prompt: "Once upon a time", max_tokens: 5 });
    await traced.client.embeddings.create({ model: "embed", input: ["a", "b"] });
    await traced.close();

    const spans = levo.spans();
    const streamed = spans.find((span) => span.attributes["gen_ai.request.stream"] === true)!;
    expect(streamed.name).toBe("chat gpt-test");
    expect(streamed.attributes["switchyard.ttft_ms"]).toBeGreaterThan(0);
    expect(streamed.attributes["gen_ai.response.time_to_first_chunk"]).toBeCloseTo(
      (streamed.attributes["switchyard.ttft_ms"] as number) / 1000,
      6,
    );
    expect(streamed.attributes["gen_ai.usage.output_tokens"]).toBe(usage!.completion_tokens);
    expect(spanNamed(spans, "text_completion gpt-test").attributes).toMatchObject({
      "gen_ai.operation.name": "text_completion",
      "gen_ai.request.max_tokens": 5,
    });
    expect(spanNamed(spans, "embeddings embed").attributes).toMatchObject({
      "gen_ai.operation.name": "embeddings",
      "gen_ai.response.model": "text-embedding-3-small",
    });
  });

  it("never sends the master key or an upstream key, and Levo's key only in its header", async () => {
    const levo = await collector();
    const traced = await levoGateway(levo, '  callbacks: ["levo"]', {
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: "true",
    });
    await traced.client.chat.completions.create({ ...chatRequest, metadata: { team: "search" } });
    await traced.client.chat.completions.create({ ...chatRequest, model: "bad-request" }).catch(() => {});
    const anonymous = new OpenAI({
      apiKey: "sk-wrong-marker-91",
      baseURL: traced.client.baseURL,
      maxRetries: 0,
    });
    await anonymous.chat.completions.create(chatRequest).catch(() => {});
    await traced.close();

    expect(levo.spans().length).toBeGreaterThanOrEqual(2);
    for (const received of levo.exports) {
      const wire = JSON.stringify(received.headers) + received.body;
      for (const secret of [MASTER_KEY, UPSTREAM_KEY, "sk-wrong-marker-91"])
        expect(wire).not.toContain(secret);
      expect(received.body).not.toContain(LEVO_KEY);
    }
  });

  it("leaves message contents out by default", async () => {
    const levo = await collector();
    const traced = await levoGateway(levo);
    await traced.client.chat.completions.create(chatRequest);
    await traced.close();

    const span = spanNamed(levo.spans(), "chat gpt-test");
    expect(span.attributes).not.toHaveProperty("gen_ai.input.messages");
    expect(span.attributes).not.toHaveProperty("gen_ai.output.messages");
    expect(levo.exports.map((received) => received.body).join("")).not.toContain("secret recipe");
  });

  it("includes message contents when OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT is true, streams too", async () => {
    const levo = await collector();
    const traced = await levoGateway(levo, '  callbacks: ["levo"]', {
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: "true",
    });
    const completion = await traced.client.chat.completions.create(chatRequest);
    const stream = await traced.client.chat.completions.create({ ...chatRequest, stream: true });
    let streamed = "";
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? "";
    await traced.close();

    const [unary, fromStream] = levo.spans();
    expect(JSON.parse(unary!.attributes["gen_ai.input.messages"] as string)).toEqual([
      { role: "system", parts: [{ type: "text", content: "Be brief." }] },
      { role: "user", parts: [{ type: "text", content: "tell me the secret recipe" }] },
    ]);
    expect(JSON.parse(unary!.attributes["gen_ai.output.messages"] as string)).toEqual([
      { role: "assistant", parts: [{ type: "text", content: completion.choices[0]!.message.content }] },
    ]);
    expect(JSON.parse(fromStream!.attributes["gen_ai.output.messages"] as string)).toEqual([
      { role: "assistant", parts: [{ type: "text", content: streamed }] },
    ]);
  });

  it("includes them with litellm_settings.otel_capture_message_content, and never with turn_off_message_logging", async () => {
    const enabled = await collector();
    const byConfig = await levoGateway(
      enabled,
      '  callbacks: ["levo"]\n  otel_capture_message_content: true',
    );
    await byConfig.client.chat.completions.create(chatRequest);
    await byConfig.close();
    expect(spanNamed(enabled.spans(), "chat gpt-test").attributes).toHaveProperty("gen_ai.input.messages");

    const disabled = await collector();
    const turnedOff = await levoGateway(
      disabled,
      '  callbacks: ["levo"]\n  otel_capture_message_content: true\n  turn_off_message_logging: true',
      { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: "true" },
    );
    await turnedOff.client.chat.completions.create(chatRequest);
    await turnedOff.close();
    const span = spanNamed(disabled.spans(), "chat gpt-test");
    expect(span.attributes).not.toHaveProperty("gen_ai.input.messages");
    expect(span.attributes).not.toHaveProperty("gen_ai.output.messages");
  });

  it("exports only what success_callback and failure_callback ask for", async () => {
    const levo = await collector();
    const traced = await levoGateway(levo, '  success_callback: ["levo"]');
    await traced.client.chat.completions.create(chatRequest);
    await traced.client.chat.completions.create({ ...chatRequest, model: "bad-request" }).catch(() => {});
    await traced.close();
    expect(levo.spans().map((span) => span.name)).toEqual(["chat gpt-test"]);
  });
});

describe("the otel callback", () => {
  it("reads the standard OTEL_EXPORTER_OTLP_* variables, and each destination gets only its own headers", async () => {
    const generic = await collector();
    const levo = await collector();
    // The process's own OTLP variables must not leak into any destination: the gateway's env is the source.
    const ambient = process.env.OTEL_EXPORTER_OTLP_HEADERS;
    process.env.OTEL_EXPORTER_OTLP_HEADERS = "x-ambient=ambient-marker";
    let traced: TracedGateway;
    try {
      traced = await levoGateway(levo, '  callbacks: ["otel", "levo"]', {
        OTEL_EXPORTER_OTLP_ENDPOINT: `${generic.url}/`,
        OTEL_EXPORTER_OTLP_HEADERS: "x-otel-token=otel-marker%2F1,x-tenant=blue",
        OTEL_SERVICE_NAME: "gateway-a",
        OTEL_RESOURCE_ATTRIBUTES: "service.namespace=llm,team=platform",
      });
    } finally {
      if (ambient === undefined) delete process.env.OTEL_EXPORTER_OTLP_HEADERS;
      else process.env.OTEL_EXPORTER_OTLP_HEADERS = ambient;
    }
    await traced.client.chat.completions.create(chatRequest);
    await traced.close();

    expect(generic.exports.length).toBeGreaterThan(0);
    for (const received of generic.exports) {
      expect(received.path).toBe("/v1/traces");
      expect(received.headers["x-otel-token"]).toBe("otel-marker/1");
      expect(received.headers["x-tenant"]).toBe("blue");
      expect(received.headers).not.toHaveProperty("authorization");
      expect(received.headers).not.toHaveProperty("x-levo-organization-id");
      expect(received.headers).not.toHaveProperty("x-ambient");
    }
    for (const received of levo.exports) {
      expect(received.headers).not.toHaveProperty("x-otel-token");
      expect(received.headers).not.toHaveProperty("x-ambient");
    }
    const span = spanNamed(generic.spans(), "chat gpt-test");
    expect(span.resource).toMatchObject({
      "service.name": "gateway-a",
      "service.namespace": "llm",
      team: "platform",
    });
    expect(spanNamed(levo.spans(), "chat gpt-test").attributes["switchyard.call_id"]).toBe(
      span.attributes["switchyard.call_id"],
    );
  });

  it("sends to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given", async () => {
    const generic = await collector();
    const traced = await startTracedGateway({
      upstream,
      litellmSettings: '  callbacks: ["otel"]',
      env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${generic.url}/custom/traces` },
    });
    cleanups.push(() => traced.close());
    await traced.client.chat.completions.create(chatRequest);
    await traced.close();
    expect(generic.exports.map((received) => received.path)).toContain("/custom/traces");
    expect(spanNamed(generic.spans(), "chat gpt-test").resource["service.name"]).toBe("switchyard");
  });
});
