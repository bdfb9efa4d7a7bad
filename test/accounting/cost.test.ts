import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { UsageSchema } from "../../gen/switchyard/v1/chat_pb.js";
import { costOf, listPrice, priceOf } from "../../src/accounting/model-price.js";
import type { DeploymentConfig } from "../../src/config/config-types.js";
import { parseConfig } from "../../src/config/load-config.js";
import { providerNames } from "../../src/providers/registry.js";

/** The model_list entry a one-deployment YAML file declares. */
function deployment(litellmParams: string, modelInfo = ""): DeploymentConfig {
  const yaml = `model_list:
  - model_name: test
    litellm_params: { ${litellmParams} }
${modelInfo ? `    model_info: { ${modelInfo} }\n` : ""}`;
  const config = parseConfig(yaml, { source: "test.yaml", env: {}, knownProviders: providerNames });
  return config.modelList[0]!;
}

const usage = (counts: {
  promptTokens: number;
  completionTokens: number;
  cachedTokens?: number;
  cacheCreationTokens?: number;
}) => create(UsageSchema, counts);

describe("a deployment's price", () => {
  it("is the bundled list price of its upstream model, per token", () => {
    expect(priceOf(deployment("model: openai/gpt-4o, api_key: sk-x"))).toEqual({
      input: 2.5 / 1e6,
      output: 10 / 1e6,
      cacheRead: 1.25 / 1e6,
      cacheWrite: 2.5 / 1e6,
    });
  });

  it("matches dated and -latest model names to their family", () => {
    const dated = priceOf(deployment("model: openai/gpt-4o-2024-08-06, api_key: sk-x"));
    expect(dated).toEqual(priceOf(deployment("model: openai/gpt-4o, api_key: sk-x")));
    const claude = priceOf(deployment("model: anthropic/claude-sonnet-4-20250514, api_key: sk-x"));
    expect(claude?.input).toBeCloseTo(3 / 1e6, 15);
    expect(claude?.cacheWrite).toBeCloseTo(3.75 / 1e6, 15);
    expect(listPrice("claude-3-5-sonnet-latest")).toEqual(listPrice("claude-3-5-sonnet"));
    expect(listPrice("CLAUDE-3-5-SONNET-20241022")).toEqual(listPrice("claude-3-5-sonnet"));
  });

  it("finds a model behind a router-style provider's org prefix", () => {
    expect(priceOf(deployment("model: openrouter/openai/gpt-4o-mini, api_key: sk-x"))?.input).toBeCloseTo(
      0.15 / 1e6,
      15,
    );
  });

  it("takes model_info's prices over the list, and litellm_params' when model_info has none", () => {
    const overridden = priceOf(
      deployment(
        "model: openai/gpt-4o, api_key: sk-x, output_cost_per_token: 0.00005",
        "input_cost_per_token: 0.000001, cache_read_input_token_cost: '0.0000001'",
      ),
    );
    expect(overridden).toEqual({
      input: 0.000001,
      output: 0.00005,
      cacheRead: 0.0000001,
      cacheWrite: 0.000001,
    });
  });

  it("prices a model missing from the list when both costs are given", () => {
    const custom = priceOf(
      deployment(
        "model: openai/my-finetune, api_base: http://127.0.0.1:1/v1",
        "input_cost_per_token: 0.000002, output_cost_per_token: 0.000004",
      ),
    );
    expect(custom).toEqual({ input: 0.000002, output: 0.000004, cacheRead: 0.000002, cacheWrite: 0.000002 });
  });

  it("is unknown (not free) for a model nobody priced, and ignores nonsense overrides", () => {
    expect(priceOf(deployment("model: openai/my-finetune, api_base: http://127.0.0.1:1/v1"))).toBeUndefined();
    const bad = priceOf(
      deployment(
        "model: openai/gpt-4o, api_key: sk-x",
        "input_cost_per_token: -1, output_cost_per_token: lots",
      ),
    );
    expect(bad?.input).toBe(2.5 / 1e6);
    expect(bad?.output).toBe(10 / 1e6);
  });
});

describe("a call's cost", () => {
  it("is prompt tokens at the input price plus completion tokens at the output price", () => {
    const price = priceOf(deployment("model: openai/gpt-4o-mini, api_key: sk-x"))!;
    expect(costOf(price, usage({ promptTokens: 1000, completionTokens: 500 }))).toBeCloseTo(
      (1000 * 0.15 + 500 * 0.6) / 1e6,
      15,
    );
  });

  it("charges cached prompt tokens at the cache-read price", () => {
    const price = priceOf(deployment("model: openai/gpt-4o, api_key: sk-x"))!;
    // 1000 prompt tokens of which 800 came from the cache.
    const cost = costOf(price, usage({ promptTokens: 1000, completionTokens: 100, cachedTokens: 800 }));
    expect(cost).toBeCloseTo((200 * 2.5 + 800 * 1.25 + 100 * 10) / 1e6, 15);
  });

  it("charges Anthropic cache writes at the cache-write price", () => {
    const price = priceOf(deployment("model: anthropic/claude-sonnet-4-5, api_key: sk-x"))!;
    const cost = costOf(
      price,
      usage({ promptTokens: 3000, completionTokens: 200, cachedTokens: 1000, cacheCreationTokens: 1500 }),
    );
    expect(cost).toBeCloseTo((500 * 3 + 1000 * 0.3 + 1500 * 3.75 + 200 * 15) / 1e6, 15);
  });
});
