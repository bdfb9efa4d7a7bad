/** Values shorter than this are masked whole: showing 4 characters of a short secret gives most of it away. */
const MINIMUM_LENGTH_TO_SHOW_PREFIX = 12;
const PREFIX_LENGTH = 4;
const MASK = "****";

/**
 * How a secret is shown (in listings, logs, admin answers): its first 4
 * characters then `****` — enough to tell keys apart ("sk-p****" vs
 * "sk-a****") — or just `****` for values under 12 characters. Counts code
 * points, so a mask never splits a character.
 */
export function maskSecret(value: string): string {
  const characters = Array.from(value);
  if (characters.length < MINIMUM_LENGTH_TO_SHOW_PREFIX) return MASK;
  return characters.slice(0, PREFIX_LENGTH).join("") + MASK;
}
