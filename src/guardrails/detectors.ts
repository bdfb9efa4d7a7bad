/**
 * The prebuilt patterns of LiteLLM's `litellm_content_filter` that Switchyard
 * serves, by LiteLLM's names. Card numbers must also pass the Luhn check and
 * IBANs the ISO 13616 mod-97 check, so order numbers and other digit runs of
 * the right length are not taken for them.
 */

export interface Detector {
  readonly pattern: RegExp;
  /** A second look at a match; false drops it. */
  readonly confirm?: (match: string) => boolean;
}

const card = String.raw`\b(?:4\d{3}|5[1-5]\d{2}|6(?:011|5\d{2}))[\s-]?\d{4}[\s-]?\d{4}[\s-]?\d{4}\b|\b3[47]\d{2}[\s-]?\d{6}[\s-]?\d{5}\b`;

export const PREBUILT: Readonly<Record<string, Detector>> = {
  us_ssn: { pattern: /\b\d{3}-\d{2}-\d{4}\b/g },
  email: { pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g },
  us_phone: { pattern: /(?<![\w+])(?:\+?1[\s.-]?)?\(?[2-9]\d{2}\)?[\s.-]?\d{3}[\s.-]?\d{4}\b/g },
  phone: { pattern: /(?<![\w+])\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}\b/g },
  visa: { pattern: /\b4\d{3}[\s-]?\d{4}[\s-]?\d{4}[\s-]?\d{4}\b/g, confirm: luhn },
  mastercard: { pattern: /\b5[1-5]\d{2}[\s-]?\d{4}[\s-]?\d{4}[\s-]?\d{4}\b/g, confirm: luhn },
  amex: { pattern: /\b3[47]\d{2}[\s-]?\d{6}[\s-]?\d{5}\b/g, confirm: luhn },
  discover: { pattern: /\b6(?:011|5\d{2})[\s-]?\d{4}[\s-]?\d{4}[\s-]?\d{4}\b/g, confirm: luhn },
  credit_card: { pattern: new RegExp(card, "g"), confirm: luhn },
  iban: {
    pattern: /\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b/g,
    confirm: ibanChecksum,
  },
  aws_access_key: { pattern: /\bAKIA[0-9A-Z]{16}\b/g },
  github_token: { pattern: /\bgh[ps]_[A-Za-z0-9]{36}\b/g },
  slack_token: { pattern: /\bxox[pboa]-\d{10,13}-\d{10,13}-[A-Za-z0-9]{24,32}\b/g },
  openai_api_key: { pattern: /\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}\b/g },
  generic_api_key: { pattern: /\b[Aa][Pp][Ii][-_]?[Kk][Ee][Yy][\s:=]+['"]?[A-Za-z0-9_-]{20,}['"]?/g },
  ipv4: {
    pattern: /\b(?:(?:25[0-5]|2[0-4]\d|[01]?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d?\d)\b/g,
  },
};

/** The Luhn check digit test, over the digits of `text`. */
export function luhn(text: string): boolean {
  const digits = text.replace(/\D/g, "");
  if (digits.length < 12 || digits.length > 19) return false;
  let sum = 0;
  for (let index = 0; index < digits.length; index++) {
    let digit = digits.charCodeAt(digits.length - 1 - index) - 48;
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** ISO 13616: move the first four characters to the end, letters as 10–35, the number mod 97 is 1. */
export function ibanChecksum(text: string): boolean {
  const iban = text.replace(/\s/g, "").toUpperCase();
  if (iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const character of rearranged) {
    const code = character.charCodeAt(0);
    const value = code >= 65 ? String(code - 55) : character;
    for (const digit of value) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

/** The first confirmed match of `detector` in `text`, or undefined. */
export function firstMatch(detector: Detector, text: string): string | undefined {
  detector.pattern.lastIndex = 0;
  for (const match of text.matchAll(detector.pattern)) {
    if (!detector.confirm || detector.confirm(match[0])) return match[0];
  }
  return undefined;
}

/** `text` with every confirmed match replaced by `replacement`. */
export function replaceMatches(detector: Detector, text: string, replacement: string): string {
  return text.replace(detector.pattern, (match) =>
    !detector.confirm || detector.confirm(match) ? replacement : match,
  );
}
