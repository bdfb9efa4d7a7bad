import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/config/config-error.js";
import { parseConfig } from "../../../src/config/load-config.js";
import { runCli } from "../../helpers/spawn-gateway.js";
import { globalDirectory, loadFromConfig, loadProblems, promptDirectory } from "./prompt-files.js";

/** The problems of a directory holding one file, `bad.prompt`. */
async function problemsOfFile(text: string): Promise<{ path: string; problems: string[] }> {
  const directory = await promptDirectory({ "bad.prompt": text });
  return {
    path: join(directory, "bad.prompt"),
    problems: await loadProblems(globalDirectory(directory), directory),
  };
}

describe("a prompt file that does not parse is reported with its path and line", () => {
  it.each([
    [
      "a frontmatter YAML error",
      "---\nmodel: openai/gpt-4o\nconfig: {temperature: 0.2\n---\nHello\n",
      ":3:26: frontmatter: Flow map in block collection must be sufficiently indented and end with a }",
    ],
    [
      "an unclosed frontmatter",
      "---\nmodel: x\nHello\n",
      ":1: the frontmatter's opening --- has no closing --- line",
    ],
    [
      "a frontmatter that is not a mapping",
      "---\n- a\n---\nHi\n",
      ":2: the frontmatter must be a YAML mapping",
    ],
    [
      "an unclosed block (the line after the trimmed blank lines)",
      "---\nmodel: x\n---\n\nHello {{#if name}}\nthere\n",
      ":6: template: Expecting 'OPEN_INVERSE_CHAIN', 'INVERSE', 'OPEN_ENDBLOCK', got 'EOF'",
    ],
    [
      "an unknown helper",
      "---\nmodel: x\n---\nHi\n{{shout name}}\n",
      ":5: template: You specified knownHelpersOnly, but used the unknown helper shout",
    ],
    ["an unknown partial", "{{> header}}\nHi\n", ":1: template: The partial header could not be found"],
    [
      "a tool role",
      '{{role "tool"}}\nHi\n',
      ':1: template: role "tool" is not supported (use system, user or model)',
    ],
    ["a model that is not a string", "---\nmodel: 7\n---\nHi\n", ":2: model: expected a model name"],
    [
      "a config value of the wrong type",
      "---\nconfig:\n  temperature: hot\n---\nHi\n",
      ":3: config.temperature: expected a number",
    ],
    [
      "the same parameter twice",
      "---\nconfig:\n  topK: 3\n  top_k: 4\n---\nHi\n",
      ":4: config.top_k: the same parameter as config.topK",
    ],
    [
      "a Picoschema type that does not exist",
      "---\ninput:\n  schema:\n    name: strin\n---\nHi\n",
      ":4: input.schema: Picoschema: unsupported scalar type 'strin'.",
    ],
    [
      "a default that breaks the schema",
      "---\ninput:\n  schema:\n    n: integer\n  default:\n    n: five\n---\n{{n}}\n",
      ':6: input.default: prompt variable "n" must be an integer, got a string',
    ],
  ])("%s", async (_case, text, expected) => {
    const { path, problems } = await problemsOfFile(text);
    expect(problems).toEqual([`${path}${expected}`]);
  });

  it("lists the problems of every file at once, in file order", async () => {
    const directory = await promptDirectory({
      "a.prompt": "---\nmodel: 7\n---\nHi\n",
      "b.prompt": "fine\n",
      "c.prompt": "{{#each}}",
    });
    const problems = await loadProblems(globalDirectory(directory), directory);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(new RegExp(`^${join(directory, "a.prompt")}:2: `));
    expect(problems[1]).toMatch(new RegExp(`^${join(directory, "c.prompt")}:1: template: `));
  });

  it("names inline content by its config key", async () => {
    const directory = await promptDirectory({});
    const yaml = `prompts:
  - prompt_id: inline
    litellm_params:
      prompt_integration: dotprompt
      dotprompt_content: "---\\nconfig: {temperature: hot}\\n---\\nHi"
`;
    expect(await loadProblems(yaml, directory)).toEqual([
      "prompts[0].litellm_params.dotprompt_content:2: config.temperature: expected a number",
    ]);
  });

  it("refuses a missing directory or file and the same prompt from two places", async () => {
    const directory = await promptDirectory({ "greet.prompt": "one\n", "other.prompt": "two\n" });
    const yaml = globalDirectory(
      directory,
      `prompts:
  - prompt_id: greet
    litellm_params: {prompt_integration: dotprompt, prompt_file: ./other.prompt}
  - prompt_id: gone
    litellm_params: {prompt_integration: dotprompt, prompt_file: ./gone.prompt}
  - prompt_id: lost
    litellm_params: {prompt_integration: dotprompt, prompt_directory: ./nowhere}
`,
    );
    expect(await loadProblems(yaml, directory)).toEqual([
      `prompts[1].litellm_params.prompt_file: cannot read ${join(directory, "gone.prompt")} (not found)`,
      `prompts[2].litellm_params.prompt_directory: cannot read the directory ${join(directory, "nowhere")} (not found)`,
      `${join(directory, "other.prompt")}: prompt "greet" is also defined by ${join(directory, "greet.prompt")}`,
    ]);
  });

  it("loads a file named by both the global directory and an entry once", async () => {
    const directory = await promptDirectory({ "greet.prompt": "one\n" });
    const yaml = globalDirectory(
      directory,
      "prompts:\n  - prompt_id: greet\n    litellm_params: {prompt_integration: dotprompt, prompt_directory: .}\n",
    );
    const { prompts } = await loadFromConfig(yaml, directory);
    expect(prompts.prompts).toHaveLength(1);
  });

  it("warns, with path and line, about config keys it ignores and models no group serves", async () => {
    const directory = await promptDirectory({
      "greet.prompt": "---\nmodel: vertexai/gemini-pro\nconfig:\n  safetySettings: strict\n---\nHi\n",
    });
    const { prompts } = await loadFromConfig(globalDirectory(directory), directory);
    const path = join(directory, "greet.prompt");
    expect(prompts.warnings).toEqual([
      `${path}:4: config.safetySettings is not a request parameter Switchyard knows; ignored`,
      `${path}: model "vertexai/gemini-pro" is not a model group here; requests with this prompt must name their model`,
    ]);
  });
});

describe("the prompts config keys", () => {
  function problemsOf(yaml: string): string[] {
    try {
      parseConfig(yaml, { source: "/etc/switchyard/config.yaml", env: {} });
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    throw new Error("expected a ConfigError");
  }

  it.each([
    [
      "a missing prompt_id",
      "prompts:\n  - litellm_params: {prompt_integration: dotprompt, prompt_file: a}\n",
      "prompts[0].prompt_id: required",
    ],
    [
      "a prompt_id with a slash",
      "prompts:\n  - prompt_id: ../etc\n    litellm_params: {prompt_integration: dotprompt, prompt_file: a}\n",
      'prompts[0].prompt_id: expected a prompt name (no slashes), got "../etc"',
    ],
    [
      "another integration",
      "prompts:\n  - prompt_id: p\n    litellm_params: {prompt_integration: langfuse, prompt_file: a}\n",
      'prompts[0].litellm_params.prompt_integration: only "dotprompt" is supported, got "langfuse"',
    ],
    [
      "no location",
      "prompts:\n  - prompt_id: p\n    litellm_params: {prompt_integration: dotprompt}\n",
      "prompts[0].litellm_params: needs exactly one of prompt_directory, prompt_file, dotprompt_content (got none)",
    ],
    [
      "two locations",
      "prompts:\n  - prompt_id: p\n    litellm_params: {prompt_integration: dotprompt, prompt_file: a, prompt_directory: b}\n",
      "prompts[0].litellm_params: needs exactly one of prompt_directory, prompt_file, dotprompt_content (got prompt_directory and prompt_file)",
    ],
    [
      "a duplicate prompt_id",
      "prompts:\n  - prompt_id: p\n    litellm_params: {prompt_integration: dotprompt, prompt_file: a}\n  - prompt_id: p\n    litellm_params: {prompt_integration: dotprompt, prompt_file: b}\n",
      'prompts[1].prompt_id: duplicate prompt "p" (also prompts[0])',
    ],
    [
      "a global directory that is not a path",
      "litellm_settings:\n  global_prompt_directory: [a]\n",
      "litellm_settings.global_prompt_directory: expected a directory path, got a list",
    ],
  ])("refuses %s, naming the key", (_case, yaml, problem) => {
    expect(problemsOf(yaml)).toEqual([problem]);
  });

  it("resolves relative paths against the config file's directory", () => {
    const config = parseConfig(
      "litellm_settings: {global_prompt_directory: prompts}\nprompts:\n  - prompt_id: p.v2\n    litellm_params: {prompt_integration: dotprompt, prompt_file: ../p.prompt}\n",
      { source: "/etc/switchyard/config.yaml", env: {} },
    );
    expect(config.prompts).toEqual([
      {
        kind: "directory",
        directory: "/etc/switchyard/prompts",
        where: "litellm_settings.global_prompt_directory",
      },
      {
        kind: "file",
        file: "/etc/p.prompt",
        key: { id: "p", version: 2 },
        where: "prompts[0].litellm_params.prompt_file",
      },
    ]);
  });
});

describe("the switchyard command", () => {
  // A whole process start: seconds under tsx on a busy machine.
  it("refuses to start on a prompt file that does not parse, naming its path and line", {
    timeout: 30_000,
  }, async () => {
    const directory = await promptDirectory({
      "good.prompt": "Hello {{name}}\n",
      "broken.prompt": "---\nmodel: openai/gpt-4o\nconfig: {temperature: 0.2\n---\nHello\n",
    });
    const config = join(directory, "config.yaml");
    await writeFile(config, "litellm_settings:\n  global_prompt_directory: .\n");
    const { code, output } = await runCli(["--config", config]);
    expect(code).toBe(1);
    expect(output).toContain(`switchyard: invalid config ${config}:`);
    expect(output).toContain(
      `${join(directory, "broken.prompt")}:3:26: frontmatter: Flow map in block collection`,
    );
  });
});
