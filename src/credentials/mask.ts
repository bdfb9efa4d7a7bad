/**
 * LiteLLM's rule for showing credential values (`_get_masked_values` in
 * litellm/litellm_core_utils/litellm_logging.py, called by the credential
 * endpoints with unmasked_length=4, number_of_asterisks=4): a field whose name
 * holds one of these words is masked; the others (api_base, api_version,
 * region names) are shown as they are.
 */
const SENSITIVE_WORDS = [
  "authorization",
  "token",
  "key",
  "secret",
  "vertex_credentials",
  "credentials",
  "password",
  "passwd",
];
/** LiteLLM's answer for a value masked whole. */
const MASKED_WHOLE = "*****";
/**
 * LiteLLM shows two characters at each end of anything longer than 4. Here a
 * sensitive value under 12 characters is masked whole: four characters of a
 * short secret give most of it away.
 */
const MINIMUM_LENGTH_TO_SHOW_ENDS = 12;

/** Whether LiteLLM masks a field of this name. */
export function isSensitiveField(field: string): boolean {
  const lower = field.toLowerCase();
  return SENSITIVE_WORDS.some((word) => lower.includes(word));
}

/**
 * A secret as shown in listings, logs and admin answers: its first two and
 * last two characters around `****` ("sk****yz"), as LiteLLM shows it, or
 * `*****` for values under 12 characters. Counts code points, so a mask never
 * splits a character.
 */
export function maskSecret(value: string): string {
  const characters = Array.from(value);
  if (characters.length < MINIMUM_LENGTH_TO_SHOW_ENDS) return MASKED_WHOLE;
  return `${characters.slice(0, 2).join("")}****${characters.slice(-2).join("")}`;
}

/**
 * A credential's values as LiteLLM answers them: sensitive fields masked,
 * the others in clear. A sensitive value that is not text (a service-account
 * object) is masked whole; other non-text values are shown as JSON.
 */
export function maskCredentialValues(values: Readonly<Record<string, unknown>>): Record<string, string> {
  const masked: Record<string, string> = {};
  for (const [field, value] of Object.entries(values)) {
    if (value === undefined || value === null) continue;
    if (isSensitiveField(field)) masked[field] = typeof value === "string" ? maskSecret(value) : MASKED_WHOLE;
    else masked[field] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return masked;
}

/** What a value that could not be read (it does not decrypt) is shown as. */
export const UNREADABLE_VALUE = MASKED_WHOLE;
