import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError } from "../../config/config-error.js";
import type { GatewayConfig } from "../../config/config-types.js";
import type { CompileReport, LoadedPrompt, PromptOrigin } from "./compile-prompt.js";
import { resolvePromptModel } from "./prompt-model.js";
import { PromptSet } from "./prompt-set.js";
import { formatPromptKey, type PromptKey, type PromptSource, parsePromptKey } from "./prompt-source.js";

/** What loading needs of the config: the sources, and the model groups prompts may name. */
export type PromptConfig = Pick<GatewayConfig, "prompts" | "source" | "modelList">;

const PROMPT_EXTENSION = ".prompt";

/** One prompt's text, found by a source. */
interface PromptText {
  readonly key: PromptKey;
  readonly text: string;
  readonly origin: PromptOrigin;
}

/**
 * Reads, checks and compiles every prompt the config names. Any problem —
 * a missing directory or file, a frontmatter or template that does not
 * parse, a bad field, the same prompt from two places — throws one
 * ConfigError listing them all, each with its path and line; nothing is
 * skipped. At start that stops the gateway; a reload keeps the prompts it had.
 */
export async function loadPrompts(config: PromptConfig): Promise<PromptSet> {
  if (config.prompts.length === 0) return new PromptSet([]);
  // dotprompt (with Handlebars) takes a few hundred ms to import: only gateways with prompts pay for it.
  const { compilePrompt } = await import("./compile-prompt.js");
  // Each source, and below each prompt, reports on its own: findings come in config order
  // however the reads and compiles interleave.
  const readReports = config.prompts.map((): CompileReport => ({ problems: [], warnings: [] }));
  const texts = (
    await Promise.all(config.prompts.map((source, index) => readSource(source, readReports[index]!)))
  ).flat();
  const report: CompileReport = {
    problems: readReports.flatMap((each) => each.problems),
    warnings: readReports.flatMap((each) => each.warnings),
  };

  const owners = new Map<string, string>();
  const unique: PromptText[] = [];
  for (const found of texts) {
    const name = formatPromptKey(found.key);
    const owner = owners.get(name);
    // The global directory and a `prompts:` entry may both name the same file.
    if (owner === found.origin.path) continue;
    if (owner !== undefined) {
      report.problems.push(`${found.origin.path}: prompt "${name}" is also defined by ${owner}`);
      continue;
    }
    owners.set(name, found.origin.path);
    unique.push(found);
  }

  const reports = unique.map((): CompileReport => ({ problems: [], warnings: [] }));
  const compiled = await Promise.all(
    unique.map((found, index) => compilePrompt(found.text, found.key, found.origin, reports[index]!)),
  );
  for (const each of reports) {
    report.problems.push(...each.problems);
    report.warnings.push(...each.warnings);
  }
  if (report.problems.length > 0) throw new ConfigError(report.problems, config.source);

  const groups = new Set(config.modelList.map((deployment) => deployment.modelName));
  const prompts = compiled.filter((prompt): prompt is LoadedPrompt => prompt !== undefined);
  prompts.forEach((prompt, index) => {
    if (prompt.model && !resolvePromptModel(prompt.model, (name) => groups.has(name))) {
      report.warnings.push(
        `${unique[index]!.origin.path}: model "${prompt.model}" is not a model group here; ` +
          "requests with this prompt must name their model",
      );
    }
  });
  return new PromptSet(prompts, report.warnings);
}

async function readSource(source: PromptSource, report: CompileReport): Promise<PromptText[]> {
  switch (source.kind) {
    case "content":
      return [{ key: source.key, text: source.content, origin: { path: source.where, source: "config" } }];
    case "file": {
      const text = await readText(source.file, source.where, report);
      return text === undefined ? [] : [{ key: source.key, text, origin: fileOrigin(source.file) }];
    }
    case "directory":
      return readDirectory(source.directory, source.where, source.only, report);
  }
}

async function readDirectory(
  directory: string,
  where: string,
  only: PromptKey | undefined,
  report: CompileReport,
): Promise<PromptText[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    report.problems.push(`${where}: cannot read the directory ${directory} (${errorCode(error)})`);
    return [];
  }
  const files = names
    .filter((name) => name.endsWith(PROMPT_EXTENSION))
    .map((name) => ({ name, key: parsePromptKey(name.slice(0, -PROMPT_EXTENSION.length)) }))
    .filter(({ key }) => !only || (key.id === only.id && (only.version ?? key.version) === key.version))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  if (files.length === 0) {
    if (only) {
      const wanted =
        only.version === undefined
          ? `${only.id}.prompt or ${only.id}.v{N}.prompt`
          : `${formatPromptKey(only)}.prompt`;
      report.problems.push(`${where}: no file ${wanted} in ${directory}`);
    } else report.warnings.push(`${where}: no ${PROMPT_EXTENSION} files in ${directory}`);
    return [];
  }
  const texts = await Promise.all(
    files.map(async ({ name, key }) => {
      const path = join(directory, name);
      const text = await readText(path, where, report);
      return text === undefined ? undefined : { key, text, origin: fileOrigin(path) };
    }),
  );
  return texts.filter((text): text is PromptText => text !== undefined);
}

async function readText(path: string, where: string, report: CompileReport): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    report.problems.push(`${where}: cannot read ${path} (${errorCode(error)})`);
    return undefined;
  }
}

function fileOrigin(path: string): PromptOrigin {
  return { path, source: path };
}

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" ? "not found" : (code ?? "unknown error");
}
