import { isRecord } from "./prompt-document.js";

/**
 * Checks prompt variables against a prompt's input schema (JSON Schema, as
 * Picoschema writes it) and says, naming the variable, where they first break
 * it. Covers the keywords Picoschema produces — `type` (a name or a list,
 * optional fields being nullable), `properties`, `required`,
 * `additionalProperties` (false or a schema), `items`, `enum` — and `const`;
 * other JSON Schema keywords (formats, ranges, patterns, combinators) are not
 * checked. Returns undefined when the value fits.
 */
export function schemaViolation(
  value: unknown,
  schema: Readonly<Record<string, unknown>>,
  options: { requireAll: boolean } = { requireAll: true },
): string | undefined {
  return check(value, schema, "", options.requireAll);
}

function check(
  value: unknown,
  schema: Readonly<Record<string, unknown>>,
  path: string,
  requireAll: boolean,
): string | undefined {
  const type = schema.type;
  if (type !== undefined) {
    const types = Array.isArray(type) ? type : [type];
    if (!types.some((name) => fitsType(value, name))) {
      const expected = types.map((name) => article(String(name))).join(" or ");
      return `${name(path)} must be ${expected}, got ${describe(value)}`;
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((allowed) => sameJson(allowed, value))) {
    const allowed = schema.enum.map((each) => JSON.stringify(each)).join(", ");
    return `${name(path)} must be one of ${allowed}, got ${JSON.stringify(value)}`;
  }
  if (schema.const !== undefined && !sameJson(schema.const, value)) {
    return `${name(path)} must be ${JSON.stringify(schema.const)}`;
  }
  if (isRecord(value)) return checkObject(value, schema, path, requireAll);
  if (Array.isArray(value) && isRecord(schema.items)) {
    for (let index = 0; index < value.length; index++) {
      const found = check(value[index], schema.items, `${path}[${index}]`, true);
      if (found) return found;
    }
  }
  return undefined;
}

function checkObject(
  value: Readonly<Record<string, unknown>>,
  schema: Readonly<Record<string, unknown>>,
  path: string,
  requireAll: boolean,
): string | undefined {
  const properties = isRecord(schema.properties) ? schema.properties : {};
  if (requireAll && Array.isArray(schema.required)) {
    for (const key of schema.required) {
      if (typeof key === "string" && value[key] === undefined) return `${name(join(path, key))} is required`;
    }
  }
  for (const [key, item] of Object.entries(value)) {
    const property = properties[key];
    const itemPath = join(path, key);
    if (isRecord(property)) {
      const found = check(item, property, itemPath, true);
      if (found) return found;
    } else if (schema.additionalProperties === false) {
      return `${name(itemPath)} is not an input of this prompt`;
    } else if (isRecord(schema.additionalProperties)) {
      const found = check(item, schema.additionalProperties, itemPath, true);
      if (found) return found;
    }
  }
  return undefined;
}

function fitsType(value: unknown, type: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "integer":
      return Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "null":
      return value === null;
    case "array":
      return Array.isArray(value);
    case "object":
      return isRecord(value);
    default:
      // "any", or a type this checker does not know: not ours to refuse.
      return true;
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a number";
  return article(typeof value);
}

function article(type: string): string {
  if (type === "null") return "null";
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function name(path: string): string {
  return `prompt variable "${path}"`;
}

function sameJson(left: unknown, right: unknown): boolean {
  return JSON.stringify(left) === JSON.stringify(right);
}
