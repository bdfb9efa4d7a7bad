/**
 * Checks for scalar config values. Each returns the normalised value, or what
 * was expected so the caller can say `expected …, got …`.
 */
export type FieldCheck = (value: unknown) => { value: string | number } | { expected: string };

export const expectString: FieldCheck = (value) =>
  typeof value === "string" ? { value } : { expected: "a string" };

export const expectNonEmptyString: FieldCheck = (value) =>
  typeof value === "string" && value.trim() !== "" ? { value } : { expected: "a non-empty string" };

/**
 * Numbers may be written as strings ("60"), as LiteLLM accepts for timeouts
 * and limits, and as every `os.environ/NAME` value is.
 */
function expectNumber(expected: string, accept: (value: number) => boolean): FieldCheck {
  return (value) => {
    const number =
      typeof value === "number"
        ? value
        : typeof value === "string" && value.trim() !== ""
          ? Number(value)
          : NaN;
    return Number.isFinite(number) && accept(number) ? { value: number } : { expected };
  };
}

export const expectPositiveNumber = expectNumber("a positive number", (value) => value > 0);
export const expectPositiveInteger = expectNumber(
  "a positive integer",
  (value) => Number.isInteger(value) && value > 0,
);
export const expectNonNegativeInteger = expectNumber(
  "a non-negative integer",
  (value) => Number.isInteger(value) && value >= 0,
);

/** Describes a bad value for a message; secret values are described by type only. */
export function describeValue(value: unknown, secret: boolean): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (secret) return `a ${typeof value}`;
  if (typeof value === "string") {
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  }
  return String(value);
}
