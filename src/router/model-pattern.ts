/**
 * LiteLLM's wildcard model names (router_utils/pattern_match_deployments.py):
 * `*` matches any text, so `openai/*`, `claude-*` and `*` each name every
 * model they match. Used by model groups and by virtual keys' model lists.
 */
export interface ModelPattern {
  readonly pattern: string;
  /** The texts each `*` matched, or undefined when the name does not match. */
  match(name: string): string[] | undefined;
  /** Non-wildcard characters: the more, the more specific (LiteLLM tries specific patterns first). */
  readonly specificity: number;
}

export function isModelPattern(name: string): boolean {
  return name.includes("*");
}

const compiled = new Map<string, ModelPattern>();

/** The pattern, compiled once per distinct text. */
export function modelPattern(pattern: string): ModelPattern {
  let found = compiled.get(pattern);
  if (found === undefined) {
    const source = pattern
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join("(.*)");
    const regex = new RegExp(`^${source}$`, "s");
    found = {
      pattern,
      specificity: pattern.replaceAll("*", "").length,
      match: (name) => regex.exec(name)?.slice(1),
    };
    // Patterns come from the config and key lists: few, so the cache stays small.
    if (compiled.size < 10_000) compiled.set(pattern, found);
  }
  return found;
}

/**
 * Puts the matched texts into a wildcard target, in order: `openai/*` with
 * ["gpt-4o"] is `openai/gpt-4o`. A target without `*` stays as it is.
 */
export function fillPattern(target: string, captures: readonly string[]): string {
  let index = 0;
  return target.replace(/\*/g, () => captures[Math.min(index++, captures.length - 1)] ?? "");
}
