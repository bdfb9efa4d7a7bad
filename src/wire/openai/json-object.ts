import type { JsonObject } from "@bufbuild/protobuf";

/**
 * Narrows a parsed JSON value to an object. Values from `JSON.parse` are
 * JSON all the way down, so an object found here can be stored in a
 * `google.protobuf.Struct` field as is, without a copy.
 */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
