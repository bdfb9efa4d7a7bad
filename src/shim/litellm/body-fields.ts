import { GatewayError } from "../../errors/gateway-error.js";
import { isJsonObject } from "../../wire/openai/json-object.js";

/**
 * The fields of LiteLLM's management JSON bodies. `null` counts as absent, as
 * in LiteLLM; a field of the wrong type is refused with a message that names
 * the field and never its value (values may be secrets).
 */

type Body = Record<string, unknown>;

/** The request body as an object. */
export function bodyObject(body: unknown): Body {
  if (!isJsonObject(body)) throw GatewayError.invalidArgument("request body must be a JSON object");
  return body;
}

/** A required string field, e.g. `key`. */
export function requiredString(body: Body, field: string): string {
  const value = optionalString(body, field);
  if (value === undefined || value === "") throw GatewayError.invalidArgument(`${field} is required`, field);
  return value;
}

export function optionalString(body: Body, field: string): string | undefined {
  return optionalField(body, field, (value) => typeof value === "string", "a string");
}

export function optionalNumber(body: Body, field: string): number | undefined {
  return optionalField(body, field, (value) => typeof value === "number", "a number");
}

export function optionalInteger(body: Body, field: string): number | undefined {
  const value = optionalNumber(body, field);
  if (value !== undefined && !Number.isSafeInteger(value)) {
    throw GatewayError.invalidArgument(`${field} must be a whole number`, field);
  }
  return value;
}

export function optionalBoolean(body: Body, field: string): boolean | undefined {
  return optionalField(body, field, (value) => typeof value === "boolean", "true or false");
}

export function optionalObject(body: Body, field: string): Body | undefined {
  return optionalField(body, field, isJsonObject, "an object");
}

/** A list of strings. */
export function optionalStrings(body: Body, field: string): string[] | undefined {
  return optionalField(
    body,
    field,
    (value): value is string[] => Array.isArray(value) && value.every((item) => typeof item === "string"),
    "a list of strings",
  );
}

function optionalField<Value>(
  body: Body,
  field: string,
  fits: (value: unknown) => value is Value,
  mustBe: string,
): Value | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!fits(value)) throw GatewayError.invalidArgument(`${field} must be ${mustBe}`, field);
  return value;
}
