import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/config-error.js";
import { parseConfig } from "../../src/config/load-config.js";

const knownProviders = new Set(["openai", "anthropic", "huggingface"]);

function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(text, { source: "test.yaml", env, knownProviders });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

/** A model_list with one entry whose litellm_params get `extra` appended. */
const withParams = (extra: string) =>
  `model_list:\n  - model_name: m\n    litellm_params:\n      model: openai/gpt-4o\n${extra}`;

describe("config validation", () => {
  it.each([
    [
      "a bare model name LiteLLM's model map does not know",
      `model_list:\n  - model_name: m\n    litellm_params: { model: gpt4 }\n`,
      `model_list[0].litellm_params.model: cannot tell the provider of "gpt4": LiteLLM's model map does not know it; write it as "provider/gpt4" (e.g. "openai/gpt4" for an OpenAI-compatible server)`,
    ],
    [
      "a missing model_name",
      `model_list:\n  - litellm_params: { model: openai/gpt-4o }\n`,
      "model_list[0].model_name: required",
    ],
    ["missing litellm_params", `model_list:\n  - model_name: m\n`, "model_list[0].litellm_params: required"],
    [
      "a missing model",
      `model_list:\n  - model_name: m\n    litellm_params: { api_base: "http://x" }\n`,
      "model_list[0].litellm_params.model: required",
    ],
    [
      "a non-numeric rpm",
      withParams("      rpm: ten\n"),
      'model_list[0].litellm_params.rpm: expected a positive integer, got "ten"',
    ],
    [
      "a fractional tpm",
      withParams("      tpm: 1.5\n"),
      "model_list[0].litellm_params.tpm: expected a positive integer, got 1.5",
    ],
    [
      "a negative timeout",
      withParams("      timeout: -1\n"),
      "model_list[0].litellm_params.timeout: expected a positive number, got -1",
    ],
    [
      "a negative max_retries",
      withParams("      max_retries: -2\n"),
      "model_list[0].litellm_params.max_retries: expected a non-negative integer, got -2",
    ],
    [
      "a list for api_base",
      withParams("      api_base: [a]\n"),
      "model_list[0].litellm_params.api_base: expected a string, got a list",
    ],
    [
      "an unknown provider, when nothing else is left to serve",
      `model_list:\n  - model_name: m\n    litellm_params: { model: opnai/gpt-4o }\n`,
      'model_list: no entry can be served: model_list[0].litellm_params.model (unknown provider "opnai" (known: anthropic, huggingface, openai))',
    ],
    [
      "router_settings that is not a mapping",
      `router_settings: [a]\n`,
      "router_settings: expected a mapping, got a list",
    ],
    ["model_list that is not a list", `model_list: {a: 1}\n`, "model_list: expected a list, got a mapping"],
    [
      "an entry that is not a mapping",
      `model_list: [oops]\n`,
      'model_list[0]: expected a mapping, got "oops"',
    ],
    [
      "model_info that is not a mapping",
      `model_list:\n  - model_name: m\n    litellm_params: { model: openai/x }\n    model_info: 3\n`,
      "model_list[0].model_info: expected a mapping, got 3",
    ],
  ])("names the path of %s", (_name, text, problem) => {
    expect(problemsOf(text)).toEqual([problem]);
  });

  it("reports every problem at once, in file order", () => {
    const problems = problemsOf(`
model_list:
  - model_name: ok
    litellm_params: { model: openai/gpt-4o }
  - litellm_params: { model: openai/gpt-4o, rpm: ten }
  - model_name: b
    litellm_params: { model: gpt4 }
general_settings: nope
`);
    expect(problems).toEqual([
      "model_list[1].model_name: required",
      'model_list[1].litellm_params.rpm: expected a positive integer, got "ten"',
      `model_list[2].litellm_params.model: cannot tell the provider of "gpt4": LiteLLM's model map does not know it; write it as "provider/gpt4" (e.g. "openai/gpt4" for an OpenAI-compatible server)`,
      'general_settings: expected a mapping, got "nope"',
    ]);
    const error = (() => {
      try {
        parseConfig(`model_list: [1, 2]\n`, { source: "x.yaml", env: {} });
      } catch (caught) {
        return caught as ConfigError;
      }
    })();
    expect(error?.message).toBe(
      "model_list[0]: expected a mapping, got 1\nmodel_list[1]: expected a mapping, got 2",
    );
  });

  it("rejects a duplicate model_info.id, naming both entries", () => {
    const problems = problemsOf(`
model_list:
  - model_name: a
    litellm_params: { model: openai/gpt-4o }
    model_info: { id: shared }
  - model_name: b
    litellm_params: { model: openai/gpt-4o-mini }
    model_info: { id: shared }
`);
    expect(problems).toEqual([
      'model_list[1].model_info.id: duplicate id "shared" (also used by model_list[0])',
    ]);
  });

  it("never echoes a secret's value in a problem", () => {
    const problems = problemsOf(
      `general_settings:\n  master_key: [sk-secret-1]\n` + withParams("      api_key: 12345678\n"),
    );
    expect(problems).toEqual([
      "model_list[0].litellm_params.api_key: expected a string, got a number",
      "general_settings.master_key: expected a string, got a list",
    ]);
    expect(problems.join("\n")).not.toMatch(/12345678|sk-secret-1/);
  });

  it("accepts numbers written as strings where LiteLLM does", () => {
    const config = parseConfig(withParams('      timeout: "60"\n      rpm: "100"\n      tpm: "5000"\n'), {
      source: "test.yaml",
      env: {},
    });
    expect(config.modelList[0]!.params).toMatchObject({ timeout: 60, rpm: 100, tpm: 5000 });
  });
});

describe("a valid config", () => {
  it("maps every litellm_params field and keeps the rest in extra", () => {
    const config = parseConfig(
      `
model_list:
  - model_name: coder
    litellm_params:
      model: huggingface/bigcode/starcoder
      api_base: http://127.0.0.1:1
      api_key: hf-key
      api_version: "2024-02-01"
      timeout: 12.5
      stream_timeout: 3
      rpm: 10
      tpm: 2000
      weight: 0.5
      order: 2
      max_retries: 0
      mock_response: hi
      litellm_credential_name: hf
      task: text-generation
      extra_headers: { X-A: b }
    model_info: { mode: completion }
`,
      { source: "test.yaml", env: {}, knownProviders },
    );
    const deployment = config.modelList[0]!;
    expect(deployment.modelName).toBe("coder");
    expect(deployment.modelInfo).toEqual({ mode: "completion" });
    expect(deployment.params).toEqual({
      model: "huggingface/bigcode/starcoder",
      provider: "huggingface",
      providerModel: "bigcode/starcoder",
      apiBase: "http://127.0.0.1:1",
      apiKey: "hf-key",
      apiVersion: "2024-02-01",
      timeout: 12.5,
      streamTimeout: 3,
      rpm: 10,
      tpm: 2000,
      weight: 0.5,
      order: 2,
      maxRetries: 0,
      mockResponse: "hi",
      litellmCredentialName: "hf",
      extra: { task: "text-generation", extra_headers: { "X-A": "b" } },
    });
  });

  it("warns about unknown keys instead of failing", () => {
    const config = parseConfig(
      `include: [other.yaml]\nmcp_servers: {}\n` +
        `model_list:\n  - model_name: m\n    litellm_params: { model: openai/x }\n    tags: [a]\n`,
      { source: "test.yaml", env: {} },
    );
    expect(config.modelList).toHaveLength(1);
    expect(config.warnings).toEqual([
      "ignored (not implemented by Switchyard): include, mcp_servers, model_list[0].tags",
    ]);
  });

  it("does not call the general_settings it reads ignored", () => {
    const config = parseConfig(
      "general_settings:\n  max_request_size_mb: 8\n  background_health_checks: true\n" +
        "  health_check_interval: 60\n  proxy_batch_write_at: 5\n  ui_access_mode: all\n" +
        "model_list:\n  - model_name: m\n    litellm_params: { model: openai/x }\n",
      { source: "test.yaml", env: {} },
    );
    expect(config.warnings).toEqual([
      "ignored (not implemented by Switchyard): general_settings.ui_access_mode",
    ]);
  });

  it.each([
    ["an empty file", ""],
    ["a file with only comments", "# nothing yet\n"],
    [
      "a file without model_list",
      "agents: [{ agent_name: helper, agent_card_params: { name: Helper, url: 'http://127.0.0.1:9300' } }]\n",
    ],
  ])("accepts %s as a config with no models, with a warning", (_name, text) => {
    const config = parseConfig(text, { source: "test.yaml", env: {} });
    expect(config.modelList).toEqual([]);
    expect(config.warnings).toEqual(["model_list: no models configured; only agents can be served"]);
  });

  it("passes credential_list, agents, prompts and settings through", () => {
    const config = parseConfig(
      `credential_list: [{ credential_name: c }]\nagents: [{ agent_name: a, agent_card_params: { name: A, url: "http://x" } }]\nprompts: [{ prompt_id: p, litellm_params: { prompt_integration: dotprompt, dotprompt_content: hi } }]\n` +
        `router_settings: { routing_strategy: simple-shuffle }\nlitellm_settings: { drop_params: true }\n` +
        `general_settings: { master_key: sk-1, database_url: x }\n`,
      { source: "test.yaml", env: {} },
    );
    expect(config.credentialList).toEqual([{ credential_name: "c" }]);
    expect(config.agents).toEqual([
      { name: "a", cardParams: { name: "A", url: "http://x" }, source: "config" },
    ]);
    expect(config.prompts).toEqual([
      {
        kind: "content",
        content: "hi",
        key: { id: "p" },
        where: "prompts[0].litellm_params.dotprompt_content",
      },
    ]);
    expect(config.routerSettings).toEqual({ routing_strategy: "simple-shuffle" });
    expect(config.litellmSettings).toEqual({ drop_params: true });
    expect(config.generalSettings).toEqual({
      masterKey: "sk-1",
      raw: { master_key: "sk-1", database_url: "x" },
    });
  });
});

describe("master key", () => {
  const masterKeyOf = (text: string, env: NodeJS.ProcessEnv) =>
    parseConfig(text, { source: "test.yaml", env }).generalSettings.masterKey;

  it("comes from general_settings.master_key, resolved from the environment", () => {
    const text = `general_settings:\n  master_key: os.environ/MY_KEY\n`;
    expect(masterKeyOf(text, { MY_KEY: "sk-file", LITELLM_MASTER_KEY: "sk-env" })).toBe("sk-file");
  });

  it("falls back to LITELLM_MASTER_KEY, then to none", () => {
    expect(masterKeyOf("", { LITELLM_MASTER_KEY: "sk-env" })).toBe("sk-env");
    expect(
      masterKeyOf(`general_settings:\n  master_key: os.environ/UNSET\n`, { LITELLM_MASTER_KEY: "sk-env" }),
    ).toBe("sk-env");
    expect(masterKeyOf("", {})).toBeUndefined();
  });
});
