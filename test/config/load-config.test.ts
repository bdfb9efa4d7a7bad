import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/config-error.js";
import { loadConfig, parseConfig } from "../../src/config/load-config.js";

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "switchyard-config-"));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe("loadConfig", () => {
  it("reads a file and records its path as the source", async () => {
    const path = join(directory, "config.yaml");
    await writeFile(path, `model_list:\n  - model_name: m\n    litellm_params: { model: openai/gpt-4o }\n`);
    const config = await loadConfig(path, { env: {} });
    expect(config.source).toBe(path);
    expect(config.modelList.map((deployment) => deployment.params.providerModel)).toEqual(["gpt-4o"]);
  });

  it("reports a missing file as a ConfigError naming it", async () => {
    const path = join(directory, "absent.yaml");
    await expect(loadConfig(path, { env: {} })).rejects.toThrow(
      new ConfigError([`${path}: file not found`], path),
    );
  });

  it("reports YAML syntax errors with file, line and column, without quoting the line", async () => {
    const path = join(directory, "broken.yaml");
    await writeFile(
      path,
      `model_list:\n  - model_name: m\n    litellm_params:\n      api_key: "sk-secret-value\n      model: openai/x\n`,
    );
    const error = await loadConfig(path, { env: {} }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([`${path}:6:1: Missing closing "quote`]);
    expect((error as ConfigError).message).not.toContain("sk-secret-value");
  });

  it("rejects duplicate keys with their position", () => {
    expect(() =>
      parseConfig(`router_settings: {}\nrouter_settings: {}\n`, { source: "dup.yaml", env: {} }),
    ).toThrow("dup.yaml:2:1: Map keys must be unique");
  });

  it("rejects a document that is not a mapping", () => {
    expect(() => parseConfig(`- a\n- b\n`, { source: "list.yaml", env: {} })).toThrow(
      "list.yaml: expected a mapping at the top level",
    );
  });

  it("supports YAML anchors and << merge keys", () => {
    const config = parseConfig(
      `
defaults: &defaults
  api_base: http://127.0.0.1:1
  timeout: 30
model_list:
  - model_name: a
    litellm_params:
      <<: *defaults
      model: openai/gpt-4o
`,
      { source: "anchors.yaml", env: {} },
    );
    expect(config.modelList[0]!.params).toMatchObject({ apiBase: "http://127.0.0.1:1", timeout: 30 });
  });
});

describe("deployment ids", () => {
  const entry = (name: string, model: string, apiKey: string) =>
    `  - model_name: ${name}\n    litellm_params:\n      model: ${model}\n      api_key: ${apiKey}\n      api_base: http://127.0.0.1:1\n`;
  const idsOf = (text: string) =>
    parseConfig(`model_list:\n${text}`, { source: "ids.yaml", env: {} }).modelList.map(
      (deployment) => deployment.id,
    );

  it("are the same on every parse and differ between entries", () => {
    const text =
      entry("a", "openai/gpt-4o", "k1") +
      entry("a", "openai/gpt-4o-mini", "k1") +
      entry("b", "openai/gpt-4o", "k1");
    const first = idsOf(text);
    expect(idsOf(text)).toEqual(first);
    expect(new Set(first).size).toBe(3);
    for (const id of first) expect(id).toMatch(/^[0-9a-f]{16}$/);
  });

  it("do not depend on the api_key, so rotating a key keeps them", () => {
    expect(idsOf(entry("a", "openai/gpt-4o", "old-key"))).toEqual(
      idsOf(entry("a", "openai/gpt-4o", "new-key")),
    );
  });

  it("depend on the api_base", () => {
    const other = entry("a", "openai/gpt-4o", "k").replace("127.0.0.1:1", "127.0.0.1:2");
    expect(idsOf(other)).not.toEqual(idsOf(entry("a", "openai/gpt-4o", "k")));
  });

  it("use model_info.id when given", () => {
    expect(idsOf(`${entry("a", "openai/gpt-4o", "k")}    model_info: { id: my-id }\n`)).toEqual(["my-id"]);
  });

  it("stay unique for identical entries, with a warning", () => {
    const config = parseConfig(`model_list:\n${entry("a", "openai/x", "k")}${entry("a", "openai/x", "k")}`, {
      source: "ids.yaml",
      env: {},
    });
    const [first, second] = config.modelList.map((deployment) => deployment.id);
    expect(second).toBe(`${first}-2`);
    expect(config.warnings).toEqual([
      `model_list[1]: same model_name and litellm_params as model_list[0]; id "${first}-2"`,
    ]);
  });
});
