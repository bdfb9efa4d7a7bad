import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/config-error.js";
import { parseConfig } from "../../src/config/load-config.js";

const parse = (text: string, env: NodeJS.ProcessEnv) => parseConfig(text, { source: "test.yaml", env });

describe("os.environ/ references", () => {
  it("are resolved at any depth, in mappings and in lists", () => {
    const config = parse(
      `
model_list:
  - model_name: gpt
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_KEY
      api_base: os.environ/OPENAI_BASE
      extra_headers:
        OpenAI-Organization: os.environ/ORG
router_settings:
  redis:
    hosts: [os.environ/REDIS_A, "fixed", os.environ/REDIS_B]
`,
      {
        OPENAI_KEY: "sk-test",
        OPENAI_BASE: "http://127.0.0.1:9/v1",
        ORG: "org-1",
        REDIS_A: "a:6379",
        REDIS_B: "b:6379",
      },
    );
    const params = config.modelList[0]!.params;
    expect(params.apiKey).toBe("sk-test");
    expect(params.apiBase).toBe("http://127.0.0.1:9/v1");
    expect(params.extra.extra_headers).toEqual({ "OpenAI-Organization": "org-1" });
    expect(config.routerSettings).toEqual({ redis: { hosts: ["a:6379", "fixed", "b:6379"] } });
    // `redis: {hosts}` (a cluster) is not read: named, not dropped silently.
    expect(config.warnings).toEqual(["ignored (not implemented by Switchyard): router_settings.redis"]);
  });

  it("only replace strings that are exactly a reference", () => {
    const config = parse(
      `litellm_settings:\n  note: "see os.environ/HOME"\n  other: "os.environ/HOME/x y"\n`,
      { HOME: "/root" },
    );
    expect(config.litellmSettings).toEqual({ note: "see os.environ/HOME", other: "os.environ/HOME/x y" });
  });

  it("resolve an unset variable to undefined and warn with its path and name, not a value", () => {
    const config = parse(
      `
model_list:
  - model_name: gpt
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/MISSING_KEY
litellm_settings:
  callbacks: [os.environ/MISSING_CALLBACK]
`,
      {},
    );
    expect(config.modelList[0]!.params.apiKey).toBeUndefined();
    expect(config.litellmSettings.callbacks).toEqual([undefined]);
    expect(config.warnings).toEqual([
      "model_list[0].litellm_params.api_key: environment variable MISSING_KEY is not set",
      "litellm_settings.callbacks[0]: environment variable MISSING_CALLBACK is not set",
    ]);
  });

  it("name the unset variable when a required value is missing because of it", () => {
    const text = `model_list:\n  - model_name: gpt\n    litellm_params:\n      model: os.environ/MODEL_SLUG\n`;
    expect(() => parse(text, {})).toThrow(
      "model_list[0].litellm_params.model: required (environment variable MODEL_SLUG is not set)",
    );
  });

  it("leave the caller's environment untouched", () => {
    const env: NodeJS.ProcessEnv = { KEEP: "1" };
    parse(`environment_variables:\n  ADDED: "x"\n`, env);
    expect(env).toEqual({ KEEP: "1" });
  });
});

describe("environment_variables", () => {
  const text = `
environment_variables:
  AZURE_BASE: https://example.openai.azure.com
  RETRIES: 3
  FROM_REAL: os.environ/REAL_SOURCE
  ALREADY_SET: from-file
model_list:
  - model_name: az
    litellm_params:
      model: azure/gpt-4o
      api_base: os.environ/AZURE_BASE
      max_retries: os.environ/RETRIES
      organization: os.environ/FROM_REAL
      api_version: os.environ/ALREADY_SET
`;

  it("fill the environment used for resolution, stringified, before the rest is resolved", () => {
    const config = parse(text, { REAL_SOURCE: "org-real" });
    const params = config.modelList[0]!.params;
    expect(params.apiBase).toBe("https://example.openai.azure.com");
    expect(params.maxRetries).toBe(3);
    expect(params.extra.organization).toBe("org-real");
    expect(config.environmentVariables).toEqual({
      AZURE_BASE: "https://example.openai.azure.com",
      RETRIES: "3",
      FROM_REAL: "org-real",
      ALREADY_SET: "from-file",
    });
  });

  it("do not override variables already set in the real environment", () => {
    const config = parse(text, { REAL_SOURCE: "org-real", ALREADY_SET: "from-real-env" });
    expect(config.modelList[0]!.params.apiVersion).toBe("from-real-env");
    expect(config.environmentVariables).not.toHaveProperty("ALREADY_SET");
  });

  it("must be a mapping", () => {
    expect(() => parse(`environment_variables: [A, B]\n`, {})).toThrow(ConfigError);
    expect(() => parse(`environment_variables: [A, B]\n`, {})).toThrow(
      "environment_variables: expected a mapping",
    );
  });
});
