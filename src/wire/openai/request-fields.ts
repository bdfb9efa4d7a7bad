import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { GatewayError } from "../../errors/gateway-error.js";
import { LITELLM_ONLY_FIELDS } from "../litellm/control-fields.js";
import { isJsonObject } from "./json-object.js";

/**
 * Strict readers for fields of a client's request body. Each reads
 * `object[key]`, treats `null` like an absent key (OpenAI accepts `null` for
 * every optional parameter), and throws InvalidArgument with an OpenAI-style
 * `param` path on a wrong type. The path is `prefix.key`, built only when
 * throwing, so valid requests allocate no path strings.
 */

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

export function fieldPath(prefix: string, key: string): string {
  return prefix === "" ? key : `${prefix}.${key}`;
}

export function invalidField(prefix: string, key: string, expected: string): GatewayError {
  const path = fieldPath(prefix, key);
  return GatewayError.invalidArgument(`'${path}' must be ${expected}`, path);
}

export function optionalString(object: JsonObject, key: string, prefix: string): string | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalidField(prefix, key, "a string");
  return value;
}

export function requiredString(object: JsonObject, key: string, prefix: string): string {
  const value = object[key];
  if (value === undefined || value === null) {
    const path = fieldPath(prefix, key);
    throw GatewayError.invalidArgument(`'${path}' is required`, path);
  }
  if (typeof value !== "string") throw invalidField(prefix, key, "a string");
  return value;
}

/** A required string that must not be empty, e.g. `model` or a function name. */
export function requiredNonEmptyString(object: JsonObject, key: string, prefix: string): string {
  const value = requiredString(object, key, prefix);
  if (value === "") {
    const path = fieldPath(prefix, key);
    throw GatewayError.invalidArgument(`'${path}' must not be empty`, path);
  }
  return value;
}

export function optionalNumber(object: JsonObject, key: string, prefix: string): number | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) throw invalidField(prefix, key, "a number");
  return value;
}

/** An integer that fits a proto int32 field (binary encoding rejects anything else). */
export function optionalInt32(object: JsonObject, key: string, prefix: string): number | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
    throw invalidField(prefix, key, "an integer");
  }
  return value;
}

export function optionalBoolean(object: JsonObject, key: string, prefix: string): boolean | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw invalidField(prefix, key, "a boolean");
  return value;
}

export function optionalObject(object: JsonObject, key: string, prefix: string): JsonObject | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value)) throw invalidField(prefix, key, "an object");
  return value;
}

export function requiredObject(object: JsonObject, key: string, prefix: string): JsonObject {
  const value = optionalObject(object, key, prefix);
  if (value === undefined) {
    const path = fieldPath(prefix, key);
    throw GatewayError.invalidArgument(`'${path}' is required`, path);
  }
  return value;
}

/** A client's request body, which must be a JSON object. */
export function requestBody(json: unknown): JsonObject {
  if (!isJsonObject(json)) throw GatewayError.invalidArgument("the request body must be a JSON object");
  return json;
}

/** An array element (`tools[2]`) that must be an object. */
export function objectAt(value: JsonValue | undefined, path: string): JsonObject {
  if (!isJsonObject(value)) throw GatewayError.invalidArgument(`'${path}' must be an object`, path);
  return value;
}

/**
 * An optional array of objects (`tools`), each read by `decode` with its
 * path (`tools[2]`); null reads as absent, an empty list.
 */
export function decodeObjectArray<Element>(
  value: JsonValue | undefined,
  path: string,
  decode: (object: JsonObject, path: string) => Element,
): Element[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw GatewayError.invalidArgument(`'${path}' must be an array`, path);
  return value.map((element, index) => {
    const elementPath = `${path}[${index}]`;
    return decode(objectAt(element, elementPath), elementPath);
  });
}

/**
 * The body's keys that are neither `known` nor LiteLLM's own, as they are:
 * what a client's request forwards upstream in `extra_body`; undefined when none.
 */
export function unknownFields(body: JsonObject, known: ReadonlySet<string>): JsonObject | undefined {
  let extra: JsonObject | undefined;
  for (const key of Object.keys(body)) {
    if (known.has(key) || LITELLM_ONLY_FIELDS.has(key)) continue;
    extra ??= {};
    extra[key] = body[key] as JsonValue;
  }
  return extra;
}

/** `stream_options` of a chat or text completion body; undefined when it sets no `include_usage`. */
export function decodeStreamOptions(body: JsonObject): { includeUsage: boolean } | undefined {
  const streamOptions = optionalObject(body, "stream_options", "");
  const includeUsage =
    streamOptions === undefined
      ? undefined
      : optionalBoolean(streamOptions, "include_usage", "stream_options");
  return includeUsage === undefined ? undefined : { includeUsage };
}
