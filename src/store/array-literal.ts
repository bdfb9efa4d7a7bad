/**
 * A Postgres array literal (`{"a",NULL,3,true}`) of text, numbers,
 * booleans and nulls, for a parameter cast to an array type. pg writes one
 * for a JS array itself, quoting and escaping every element twice over with
 * regular expressions; the spend insert passes one array per column for
 * every call the gateway answers, so this does it once per element, and
 * only what needs it: text is quoted (its `"` and `\` escaped), numbers and
 * booleans are written bare.
 */
export function arrayLiteral(elements: readonly unknown[]): string {
  const parts = new Array<string>(elements.length);
  for (let index = 0; index < elements.length; index++) parts[index] = arrayElement(elements[index]);
  return `{${parts.join(",")}}`;
}

const needsEscape = /["\\]/;

function arrayElement(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const text = String(value);
  return `"${needsEscape.test(text) ? text.replace(/["\\]/g, "\\$&") : text}"`;
}
