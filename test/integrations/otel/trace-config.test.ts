import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/config/config-error.js";
import { tracesEndpoint } from "../../../src/integrations/otel/otlp-endpoint.js";
import { type FakeOpenAI, startFakeOpenAI } from "../../fakes/openai-upstream.js";
import { runCli } from "../../helpers/spawn-gateway.js";
import { LEVO_KEY, startTracedGateway } from "./traced-gateway.js";

let upstream: FakeOpenAI;
beforeAll(async () => {
  upstream = await startFakeOpenAI();
});
afterAll(() => upstream.close());

/** The ConfigError a gateway start throws (failing the test if it starts). */
async function startError(litellmSettings: string, env: NodeJS.ProcessEnv): Promise<ConfigError> {
  try {
    const traced = await startTracedGateway({ upstream, litellmSettings, env });
    await traced.close();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("the gateway started");
}

describe("trace callback configuration", () => {
  it("refuses to start levo without its variables, naming each missing one and never the key", async () => {
    const error = await startError('  callbacks: ["levo"]', {
      LEVOAI_API_KEY: LEVO_KEY,
      LEVOAI_ORG_ID: "org-42",
    });
    expect(error.message).toContain("LEVOAI_WORKSPACE_ID");
    expect(error.message).toContain("LEVOAI_COLLECTOR_URL");
    expect(error.message).not.toContain("LEVOAI_ORG_ID");
    expect(error.message).not.toContain(LEVO_KEY);
    expect(error.source).toBe("test.yaml");
  });

  it("refuses a collector URL that is not http(s), without echoing it", async () => {
    const error = await startError('  failure_callback: ["levo"]', {
      LEVOAI_API_KEY: LEVO_KEY,
      LEVOAI_ORG_ID: "org-42",
      LEVOAI_WORKSPACE_ID: "ws-7",
      LEVOAI_COLLECTOR_URL: `collector.internal?token=${LEVO_KEY}`,
    });
    expect(error.message).toContain("LEVOAI_COLLECTOR_URL");
    expect(error.message).not.toContain(LEVO_KEY);
  });

  it("refuses otel with a gRPC protocol, a bad endpoint, or malformed headers", async () => {
    expect(
      (await startError('  callbacks: ["otel"]', { OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).message,
    ).toContain("OTEL_EXPORTER_OTLP_PROTOCOL=grpc");
    expect(
      (await startError('  callbacks: ["otel"]', { OTEL_EXPORTER_OTLP_ENDPOINT: "not a url" })).message,
    ).toContain("OTEL_EXPORTER_OTLP_ENDPOINT");
    const headers = await startError('  callbacks: ["otel"]', {
      OTEL_EXPORTER_OTLP_HEADERS: "a=1,secret-without-name",
    });
    expect(headers.message).toContain("OTEL_EXPORTER_OTLP_HEADERS: entry 2");
    expect(headers.message).not.toContain("secret-without-name");
  });

  it("refuses a callbacks value that is not a list", async () => {
    expect((await startError("  callbacks: levo", {})).message).toContain("litellm_settings.callbacks");
  });

  it("starts without exporters when the callbacks name only others' integrations", async () => {
    const traced = await startTracedGateway({ upstream, litellmSettings: '  callbacks: ["prometheus"]' });
    expect(traced.gateway.gateway).toBeDefined();
    await traced.close();
  });

  it("makes the switchyard command exit 1 naming the missing variable", async () => {
    const directory = await mkdtemp(join(tmpdir(), "switchyard-"));
    const path = join(directory, "levo.yaml");
    await writeFile(
      path,
      [
        "model_list:",
        "  - model_name: canned",
        "    litellm_params: {model: openai/gpt-4o, mock_response: hi}",
        "litellm_settings:",
        '  callbacks: ["levo"]',
        "environment_variables:",
        `  LEVOAI_API_KEY: ${LEVO_KEY}`,
        "  LEVOAI_WORKSPACE_ID: ws-7",
        "  LEVOAI_COLLECTOR_URL: http://127.0.0.1:1",
      ].join("\n"),
    );
    const { code, output } = await runCli(["--config", path, "--port", "0"], { LEVOAI_ORG_ID: "" });
    expect(code).toBe(1);
    expect(output).toContain(`invalid config ${path}`);
    expect(output).toContain("LEVOAI_ORG_ID");
    expect(output).not.toContain(LEVO_KEY);
  }, 30_000);
});

describe("the traces URL of a collector", () => {
  it.each([
    ["https://collector.levo.ai", "https://collector.levo.ai/v1/traces"],
    ["https://collector.levo.ai/", "https://collector.levo.ai/v1/traces"],
    ["https://collector.levo.ai/v1", "https://collector.levo.ai/v1/traces"],
    ["https://collector.levo.ai/v1/traces", "https://collector.levo.ai/v1/traces"],
    ["https://collector.levo.ai/v1/traces/", "https://collector.levo.ai/v1/traces"],
    ["https://collector.levo.ai/v1/logs", "https://collector.levo.ai/v1/traces"],
    ["http://10.0.0.5:4318/levo/ingest", "http://10.0.0.5:4318/levo/ingest/v1/traces"],
    ["https://collector.levo.ai/otlp?tenant=a", "https://collector.levo.ai/otlp/v1/traces?tenant=a"],
  ])("%s → %s (as LiteLLM derives it)", (base, expected) => {
    expect(tracesEndpoint(base)).toBe(expected);
  });
});
