import { describe, expect, it } from "vitest";
import { demoConfig, demoConfigYaml } from "../../src/config/demo-config.js";
import { parseConfig } from "../../src/config/load-config.js";

describe("demo config", () => {
  it("works on a bare machine: mock models only, no warnings", () => {
    const config = demoConfig({});
    expect(config.source).toBe("demo");
    expect(config.warnings).toEqual([]);
    expect(config.modelList.map((deployment) => deployment.modelName)).toEqual(["demo", "demo-haiku"]);
    for (const deployment of config.modelList) {
      expect(deployment.params.provider).toBe("openai");
      expect(deployment.params.mockResponse).toBeTruthy();
      expect(deployment.params.apiKey).toBeUndefined();
    }
    expect(config.modelList[0]!.params.mockResponse).toContain("Switchyard's demo model");
    expect(config.modelList[0]!.params.mockResponse).toContain("--config");
  });

  it("adds gpt-4o-mini when OPENAI_API_KEY is set", () => {
    const config = demoConfig({ OPENAI_API_KEY: "sk-demo" });
    const openai = config.modelList.find((deployment) => deployment.modelName === "gpt-4o-mini");
    expect(openai?.params).toMatchObject({
      model: "openai/gpt-4o-mini",
      provider: "openai",
      providerModel: "gpt-4o-mini",
      apiKey: "sk-demo",
    });
    expect(openai?.params.mockResponse).toBeUndefined();
    expect(config.modelList).toHaveLength(3);
  });

  it("keeps the master key from LITELLM_MASTER_KEY", () => {
    expect(demoConfig({ LITELLM_MASTER_KEY: "sk-master" }).generalSettings.masterKey).toBe("sk-master");
  });

  it("is published as YAML that parses as a normal config file", () => {
    const config = parseConfig(demoConfigYaml, { source: "example.yaml", env: { OPENAI_API_KEY: "sk" } });
    expect(config.modelList.map((deployment) => deployment.modelName)).toEqual([
      "demo",
      "demo-haiku",
      "gpt-4o-mini",
    ]);
  });
});
