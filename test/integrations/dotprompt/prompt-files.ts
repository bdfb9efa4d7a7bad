import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../../../src/config/config-error.js";
import type { GatewayConfig } from "../../../src/config/config-types.js";
import { parseConfig } from "../../../src/config/load-config.js";
import { loadPrompts } from "../../../src/integrations/dotprompt/load-prompts.js";
import type { PromptSet } from "../../../src/integrations/dotprompt/prompt-set.js";

/** A fresh temporary directory holding `files` (name → text). */
export async function promptDirectory(files: Record<string, string>): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), "switchyard-prompts-"));
  await Promise.all(Object.entries(files).map(([name, text]) => writeFile(join(directory, name), text)));
  return directory;
}

/** The config `yaml` (read as if it were `directory/config.yaml`) and the prompts it names, loaded. */
export async function loadFromConfig(
  yaml: string,
  directory: string,
): Promise<{ config: GatewayConfig; prompts: PromptSet }> {
  const config = parseConfig(yaml, { source: join(directory, "config.yaml"), env: {} });
  return { config, prompts: await loadPrompts(config) };
}

/** The problems loading fails with. */
export async function loadProblems(yaml: string, directory: string): Promise<string[]> {
  try {
    await loadFromConfig(yaml, directory);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected the prompts not to load");
}

/** The config naming `directory` as the global prompt directory. */
export const globalDirectory = (directory: string, rest = "") =>
  `litellm_settings:\n  global_prompt_directory: ${JSON.stringify(directory)}\n${rest}`;
