const dollars = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  maximumFractionDigits: 6,
});
const whole = new Intl.NumberFormat("en-US");

export function usd(value: number): string {
  return dollars.format(value);
}

export function count(value: number | undefined): string {
  return value === undefined ? "—" : whole.format(value);
}

/** An ISO time in the viewer's locale; a dash when absent. */
export function time(iso: string | undefined): string {
  return iso ? new Date(iso).toLocaleString() : "—";
}

/** "a, b, c" → ["a", "b", "c"]; blanks dropped. */
export function listOf(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** A number field's value; undefined when empty. */
export function numberOf(text: string): number | undefined {
  const trimmed = text.trim();
  return trimmed === "" ? undefined : Number(trimmed);
}
