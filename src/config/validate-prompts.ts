import { dirname, resolve } from "node:path";
import {
  formatPromptKey,
  type PromptKey,
  type PromptSource,
  parsePromptKey,
} from "../integrations/dotprompt/prompt-source.js";
import type { ConfigDiagnostics } from "./config-diagnostics.js";
import { forEachMapping, ListNames } from "./config-lists.js";
import { childPath, isMapping } from "./config-tree.js";
import { describeValue } from "./field-checks.js";

export interface ValidatePromptsOptions {
  /** The config file's path (relative prompt paths are resolved against its directory), or "demo". */
  readonly source: string;
  readonly diagnostics: ConfigDiagnostics;
}

/** The one prompt integration there is; LiteLLM's others (langfuse, …) call remote services. */
const DOTPROMPT = "dotprompt";

/** Where a `prompts:` entry's prompt lives: exactly one of these. */
const locationKeys = ["prompt_directory", "prompt_file", "dotprompt_content"] as const;

/** Keys of an entry's litellm_params this integration reads. */
const knownParams = new Set<string>(["prompt_integration", "prompt_id", ...locationKeys]);

/** Keys of a `prompts:` entry; prompt_info is LiteLLM's bookkeeping, accepted and unused. */
const knownEntryKeys = new Set(["prompt_id", "litellm_params", "prompt_info"]);

/**
 * Checks `litellm_settings.global_prompt_directory` and the `prompts:` list
 * (LiteLLM's keys) and returns where to load prompts from. Only the shape is
 * checked here: the files are read and parsed by loadPrompts, before the
 * gateway starts. Relative paths are resolved against the config file's
 * directory (LiteLLM uses the working directory), so a config means the same
 * wherever the gateway is started from.
 */
export function validatePrompts(
  entries: readonly unknown[],
  litellmSettings: Record<string, unknown>,
  options: ValidatePromptsOptions,
): PromptSource[] {
  const { diagnostics } = options;
  const base = options.source === "demo" ? process.cwd() : dirname(resolve(options.source));
  const sources: PromptSource[] = [];

  const global = litellmSettings.global_prompt_directory;
  if (global !== undefined && global !== null) {
    const where = "litellm_settings.global_prompt_directory";
    if (typeof global !== "string" || global.trim() === "") {
      diagnostics.problem(where, `expected a directory path, got ${describeValue(global, false)}`);
    } else sources.push({ kind: "directory", directory: resolve(base, global), where });
  }

  const names = new ListNames("prompts", diagnostics);
  forEachMapping(entries, "prompts", diagnostics, (entry, path, index) => {
    for (const key of Object.keys(entry)) {
      if (!knownEntryKeys.has(key)) diagnostics.ignored(childPath(path, key));
    }
    const key = checkPromptId(entry.prompt_id, childPath(path, "prompt_id"), diagnostics);
    const source = checkParams(entry.litellm_params, path, key, base, diagnostics);
    if (key === undefined || source === undefined) return;
    const name = formatPromptKey(key);
    if (names.claim(name, index, childPath(path, "prompt_id"), "prompt")) sources.push(source);
  });
  return sources;
}

// The id names files (`{id}.prompt`), so it may not leave the directory.
const unsafeId = /[/\\]|^\.\.?$/;

function checkPromptId(value: unknown, path: string, diagnostics: ConfigDiagnostics): PromptKey | undefined {
  if (value === undefined || value === null || value === "") {
    diagnostics.required(path);
    return undefined;
  }
  if (typeof value !== "string" || unsafeId.test(value)) {
    diagnostics.problem(path, `expected a prompt name (no slashes), got ${describeValue(value, false)}`);
    return undefined;
  }
  return parsePromptKey(value);
}

function checkParams(
  params: unknown,
  entryPath: string,
  key: PromptKey | undefined,
  base: string,
  diagnostics: ConfigDiagnostics,
): PromptSource | undefined {
  const path = childPath(entryPath, "litellm_params");
  if (params === undefined || params === null) {
    diagnostics.required(path);
    return undefined;
  }
  if (!isMapping(params)) {
    diagnostics.problem(path, `expected a mapping, got ${describeValue(params, false)}`);
    return undefined;
  }
  let valid = true;
  const problem = (at: string, message: string) => {
    valid = false;
    diagnostics.problem(childPath(path, at), message);
  };
  for (const name of Object.keys(params)) {
    if (!knownParams.has(name))
      diagnostics.warn(childPath(path, name), "not used by the dotprompt integration");
  }

  const integration = params.prompt_integration;
  if (integration === undefined || integration === null)
    problem("prompt_integration", `required ("${DOTPROMPT}")`);
  else if (integration !== DOTPROMPT) {
    problem(
      "prompt_integration",
      `only "${DOTPROMPT}" is supported, got ${describeValue(integration, false)}`,
    );
  }
  // LiteLLM writes the id here too; it must agree with the entry's.
  const innerId = params.prompt_id;
  if (innerId !== undefined && innerId !== null && key && innerId !== formatPromptKey(key)) {
    problem("prompt_id", `must match the entry's prompt_id, got ${describeValue(innerId, false)}`);
  }

  const given = locationKeys.filter((name) => params[name] !== undefined && params[name] !== null);
  if (given.length !== 1) {
    const found = given.length === 0 ? "none" : given.join(" and ");
    diagnostics.problem(path, `needs exactly one of ${locationKeys.join(", ")} (got ${found})`);
    return undefined;
  }
  const location = given[0]!;
  const value = params[location];
  if (typeof value !== "string" || value.trim() === "") {
    problem(location, `expected a non-empty string, got ${describeValue(value, false)}`);
    return undefined;
  }
  if (!valid || key === undefined) return undefined;
  const where = childPath(path, location);
  switch (location) {
    case "prompt_directory":
      return { kind: "directory", directory: resolve(base, value), only: key, where };
    case "prompt_file":
      return { kind: "file", file: resolve(base, value), key, where };
    case "dotprompt_content":
      return { kind: "content", content: value, key, where };
  }
}
