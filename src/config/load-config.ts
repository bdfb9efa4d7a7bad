import { readFile } from "node:fs/promises";
import { LineCounter, parseDocument, type ScalarTag } from "yaml";
import { ConfigDiagnostics } from "./config-diagnostics.js";
import { ConfigError } from "./config-error.js";
import { isMapping } from "./config-tree.js";
import type { GatewayConfig } from "./config-types.js";
import { applyEnvironmentVariables, resolveEnvironmentReferences } from "./resolve-env.js";
import { validateConfig } from "./validate-config.js";

export interface ParseConfigOptions {
  /** File path, or "demo"; prefixes YAML syntax errors and lands in `GatewayConfig.source`. */
  source: string;
  /** The environment `os.environ/NAME` references resolve against. Not mutated. */
  env: NodeJS.ProcessEnv;
  /** When given, entries whose provider is not one of these are disabled (or refused under `strict`). */
  knownProviders?: ReadonlySet<string>;
  /** `--strict-config`: refuse entries Switchyard cannot serve instead of starting without them. */
  strict?: boolean;
}

/**
 * Parses and validates a LiteLLM-compatible YAML config. Throws one
 * ConfigError listing every problem; returns the config with non-fatal
 * findings in `warnings`.
 *
 * YAML is read as 1.2 (core schema) with `<<` merge keys, which PyYAML users
 * rely on; unlike PyYAML's 1.1, `yes`/`no` and dates stay strings, but
 * numbers written with underscores (`20_000`) are numbers, as PyYAML reads them.
 */
export function parseConfig(text: string, options: ParseConfigOptions): GatewayConfig {
  const { source } = options;
  const diagnostics = new ConfigDiagnostics();
  const document = parseYaml(text, source, diagnostics);
  if (document !== undefined && document !== null && !isMapping(document)) {
    throw new ConfigError([`${source}: expected a mapping at the top level`], source);
  }
  const root = document ?? {};
  const { env, applied } = applyEnvironmentVariables(root.environment_variables, options.env, diagnostics);
  const rest = Object.fromEntries(Object.entries(root).filter(([key]) => key !== "environment_variables"));
  const resolved = resolveEnvironmentReferences(rest, env, "", diagnostics) as Record<string, unknown>;
  const config = validateConfig(resolved, {
    source,
    env,
    environmentVariables: applied,
    knownProviders: options.knownProviders,
    strict: options.strict,
    diagnostics,
  });
  if (diagnostics.problems.length > 0) throw new ConfigError(diagnostics.problems, source);
  return config;
}

/** Reads and parses the config file at `path`; an unreadable file is a ConfigError too. */
export async function loadConfig(
  path: string,
  options: Omit<ParseConfigOptions, "source">,
): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "file not found" : `cannot read the file (${code ?? "unknown error"})`;
    throw new ConfigError([`${path}: ${reason}`], path);
  }
  return parseConfig(text, { ...options, source: path });
}

/** Returns the document as plain JS, or throws a ConfigError with `source:line:col` per syntax error. */
function parseYaml(text: string, source: string, diagnostics: ConfigDiagnostics): unknown {
  const lineCounter = new LineCounter();
  // prettyErrors would quote the offending source line, which may hold a secret.
  const document = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    merge: true,
    customTags: [underscoreInteger, underscoreFloat],
  });
  const where = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `${source}:${line}:${col}`;
  };
  if (document.errors.length > 0) {
    const problems = document.errors.map((error) => `${where(error.pos[0])}: ${error.message}`);
    throw new ConfigError(problems, source);
  }
  for (const warning of document.warnings) diagnostics.warn(where(warning.pos[0]), warning.message);
  try {
    return document.toJS();
  } catch (error) {
    // e.g. too many alias expansions (a "billion laughs" document).
    throw new ConfigError([`${source}: ${(error as Error).message}`], source);
  }
}

/** PyYAML (YAML 1.1) reads `20_000` as 20000; LiteLLM configs use it for tpm and limits. */
const underscoreInteger: ScalarTag = {
  tag: "tag:yaml.org,2002:int",
  default: true,
  test: /^[-+]?[0-9][0-9_]*_[0-9_]*$/,
  resolve: (text) => Number(text.replaceAll("_", "")),
};

const underscoreFloat: ScalarTag = {
  tag: "tag:yaml.org,2002:float",
  default: true,
  test: /^[-+]?[0-9][0-9_]*_[0-9_]*\.[0-9_]*$/,
  resolve: (text) => Number(text.replaceAll("_", "")),
};
