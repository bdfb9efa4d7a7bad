import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/config-error.js";
import { parseConfig } from "../../src/config/load-config.js";

const models = `model_list:
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o }
  - model_name: gpt-4o-mini
    litellm_params: { model: openai/gpt-4o-mini }
`;

function problems(routerSettings: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(`${models}router_settings:\n${routerSettings}`, { source: "test.yaml", env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("router_settings validation", () => {
  it("names an unknown strategy and lists the known ones", () => {
    expect(problems("  routing_strategy: fastest\n")).toEqual([
      'router_settings.routing_strategy: unknown strategy "fastest" (known: simple-shuffle, least-busy, ' +
        "latency-based-routing, usage-based-routing, usage-based-routing-v2)",
    ]);
  });

  it("refuses a fallback to a group model_list does not have when models are not stored", () => {
    const noStoredModels = { STORE_MODEL_IN_DB: "False" };
    expect(problems("  fallbacks: [{gpt-4o: [gpt-5]}]\n", noStoredModels)).toEqual([
      'router_settings.fallbacks[0].gpt-4o[0]: unknown model group "gpt-5" (not a model_name in model_list)',
    ]);
    expect(problems("  context_window_fallbacks: [{claude: [gpt-4o]}]\n", noStoredModels)).toEqual([
      'router_settings.context_window_fallbacks[0].claude: unknown model group "claude" (not a model_name in model_list)',
    ]);
  });

  it("keeps a fallback to a group a stored model may add, with a warning (LiteLLM checks none)", () => {
    const config = parseConfig(
      `${models}router_settings:\n  fallbacks: [{gpt-4o: [gpt-4o-mini, stored-group]}]\n`,
      {
        source: "test.yaml",
        env: {},
      },
    );
    expect(config.router.fallbacks.get("gpt-4o")).toEqual(["gpt-4o-mini", "stored-group"]);
    expect(config.warnings).toContain(
      'router_settings.fallbacks[0].gpt-4o[1]: unknown model group "stored-group" (not a model_name in model_list); used once a stored model (/model/new) adds it',
    );
  });

  it("names a malformed fallback entry", () => {
    expect(problems("  fallbacks: [gpt-4o]\n")[0]).toMatch(
      /^router_settings\.fallbacks\[0\]: expected a mapping/,
    );
  });

  it("names bad numbers", () => {
    expect(problems("  num_retries: -1\n  cooldown_time: soon\n  timeout: 0\n")).toEqual([
      "router_settings.num_retries: expected a non-negative integer, got -1",
      'router_settings.cooldown_time: expected a non-negative number, got "soon"',
      "router_settings.timeout: expected a positive number, got 0",
    ]);
  });

  it("reads LiteLLM's settings in seconds into the typed settings", () => {
    const config = parseConfig(
      `${models}router_settings:
  routing_strategy: usage-based-routing-v2
  num_retries: 3
  cooldown_time: 1.5
  stream_timeout: 2
  routing_strategy_args: { lowest_latency_buffer: 0.25 }
  fallbacks: [{gpt-4o: [gpt-4o-mini]}]
  default_fallbacks: [gpt-4o]
`,
      { source: "test.yaml", env: {} },
    );
    expect(config.router).toMatchObject({
      routingStrategy: "usage-based-routing",
      numRetries: 3,
      cooldownMs: 1500,
      streamTimeoutMs: 2000,
      lowestLatencyBuffer: 0.25,
      defaultFallbacks: ["gpt-4o"],
    });
    expect(config.router.fallbacks.get("gpt-4o")).toEqual(["gpt-4o-mini"]);
  });
});
