import type { ConfigDiagnostics } from "./config-diagnostics.js";
import { childPath, isMapping } from "./config-tree.js";

// LiteLLM's syntax: the whole string value is `os.environ/NAME`.
const environmentReference = /^os\.environ\/(\S+)$/;

/**
 * Returns a copy of `value` in which every string exactly of the form
 * `os.environ/NAME`, at any depth (mappings and lists), is replaced by
 * `env[NAME]`. An unset variable becomes undefined and is reported to
 * `diagnostics` (a warning naming path and variable). An empty variable counts
 * as set, as in LiteLLM's os.getenv.
 */
export function resolveEnvironmentReferences(
  value: unknown,
  env: NodeJS.ProcessEnv,
  path: string,
  diagnostics: ConfigDiagnostics,
): unknown {
  if (typeof value === "string") {
    const match = environmentReference.exec(value);
    if (!match) return value;
    const name = match[1]!;
    const resolved = env[name];
    if (resolved === undefined) diagnostics.unsetVariable(path, name);
    return resolved;
  }
  if (Array.isArray(value)) {
    return value.map((item, index) =>
      resolveEnvironmentReferences(item, env, childPath(path, index), diagnostics),
    );
  }
  if (isMapping(value)) {
    // fromEntries defines own properties, so a `__proto__` key stays a plain key.
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        resolveEnvironmentReferences(item, env, childPath(path, key), diagnostics),
      ]),
    );
  }
  return value;
}

export interface EnvironmentVariablesResult {
  /** The environment to resolve the rest of the file against. */
  env: NodeJS.ProcessEnv;
  /** The file's variables that took effect (the real environment did not set them). */
  applied: Record<string, string>;
}

/**
 * Applies LiteLLM's top-level `environment_variables:` mapping. Unlike LiteLLM,
 * which overwrites os.environ, variables already set in the real environment
 * win: the file holds defaults, and a deployment's secrets (injected as real
 * env vars) must not be shadowed by values checked in with the file. Values may
 * themselves be `os.environ/NAME` (resolved against the real environment) and
 * scalars are stringified, as LiteLLM does. `env` itself is never mutated.
 */
export function applyEnvironmentVariables(
  block: unknown,
  env: NodeJS.ProcessEnv,
  diagnostics: ConfigDiagnostics,
): EnvironmentVariablesResult {
  const applied: Record<string, string> = {};
  if (block === undefined || block === null) return { env, applied };
  if (!isMapping(block)) {
    diagnostics.problem("environment_variables", "expected a mapping");
    return { env, applied };
  }
  for (const [name, raw] of Object.entries(block)) {
    const path = childPath("environment_variables", name);
    const value = resolveEnvironmentReferences(raw, env, path, diagnostics);
    if (value === undefined || value === null) continue;
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      diagnostics.problem(path, "expected a string");
      continue;
    }
    if (env[name] === undefined) applied[name] = String(value);
  }
  return { env: { ...applied, ...env }, applied };
}
