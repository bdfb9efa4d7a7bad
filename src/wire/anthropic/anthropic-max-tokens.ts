/**
 * Anthropic requires `max_tokens` on every request; OpenAI callers usually
 * leave it out and expect "as much as the model gives". The default is a
 * limit every model of the family accepts, large enough not to cut normal
 * answers short:
 *
 * | model                                   | default |
 * |-----------------------------------------|---------|
 * | claude-3-5-*                            | 8192    |
 * | claude-3-7-*, claude-*-4…9 and later    | 32000   |
 * | claude-3-* (opus, sonnet, haiku)        | 4096    |
 * | anything else (Anthropic-compatible servers) | 4096 |
 */
const defaultsByFamily: readonly (readonly [RegExp, number])[] = [
  [/claude-3-5-/, 8192],
  [/claude-3-7-|claude-[a-z]+-[4-9]|claude-[4-9]/, 32000],
  [/claude-3-/, 4096],
];

export const FALLBACK_MAX_TOKENS = 4096;

const cache = new Map<string, number>();

/** The `max_tokens` sent when the caller gave none; computed once per model name. */
export function defaultMaxTokens(model: string): number {
  let value = cache.get(model);
  if (value !== undefined) return value;
  value = FALLBACK_MAX_TOKENS;
  for (const [pattern, limit] of defaultsByFamily) {
    if (pattern.test(model)) {
      value = limit;
      break;
    }
  }
  // Model names come from configuration (or a bounded set of direct slugs), so the cache stays small.
  cache.set(model, value);
  return value;
}
