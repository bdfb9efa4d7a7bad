import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/config-error.js";
import { parseConfig } from "../../src/config/load-config.js";
import { providerNames } from "../../src/providers/registry.js";

/**
 * LiteLLM-style configs (test/config-corpus/, modelled on LiteLLM's docs),
 * each saying in its header what a LiteLLM user must see: `# expect: start`
 * (starts, not a single warning), `# expect-warning: <line>` (starts, with
 * exactly these warnings) or `# expect-refusal: <line>` (refused with exactly
 * these problems). `# strict` reads it as --strict-config does.
 */
const corpus = new URL("../config-corpus/", import.meta.url);
const files = readdirSync(corpus)
  .filter((name) => name.endsWith(".yaml"))
  .sort();

const env = {
  OPENAI_API_KEY: "sk-openai",
  ANTHROPIC_API_KEY: "sk-ant",
  GROQ_API_KEY: "gsk",
  AZURE_API_KEY: "azure-key",
};

function header(text: string, tag: string): string[] {
  const prefix = `# ${tag}: `;
  return text
    .split("\n")
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length));
}

describe("LiteLLM config corpus", () => {
  it("holds 30 or more configs", () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  it.each(files)("%s", (name) => {
    const text = readFileSync(new URL(name, corpus), "utf8");
    const strict = text.split("\n").includes("# strict");
    const refusals = header(text, "expect-refusal");
    const warnings = header(text, "expect-warning");
    const starts = header(text, "expect").includes("start");
    expect(refusals.length > 0 || warnings.length > 0 || starts).toBe(true);
    let config: ReturnType<typeof parseConfig> | undefined;
    let problems: string[] | undefined;
    try {
      config = parseConfig(text, { source: name, env, knownProviders: providerNames, strict });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems = error.problems;
    }
    if (refusals.length > 0) {
      expect(problems).toEqual(refusals);
      return;
    }
    expect(problems).toBeUndefined();
    expect(config?.warnings).toEqual(warnings);
  });
});
