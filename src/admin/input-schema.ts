import type { JsonObject } from "@bufbuild/protobuf";
import { TRPCError } from "@trpc/server";

/**
 * Procedure inputs, checked by hand: a field reader returns the value or
 * throws a BAD_REQUEST naming the field. tRPC infers the client's input
 * type from what `object(...)` returns; fields whose reader may return
 * undefined are optional there.
 */
export type Field<Value> = (value: unknown, name: string) => Value;

type ValueOf<F> = F extends Field<infer Value> ? Value : never;
type OptionalKeys<Fields> = {
  [K in keyof Fields]: undefined extends ValueOf<Fields[K]> ? K : never;
}[keyof Fields];
type Simplify<T> = { [K in keyof T]: T[K] } & {};

export type ObjectOf<Fields> = Simplify<
  { [K in Exclude<keyof Fields, OptionalKeys<Fields>>]: ValueOf<Fields[K]> } & {
    [K in OptionalKeys<Fields>]?: ValueOf<Fields[K]>;
  }
>;

export function invalid(message: string): TRPCError {
  return new TRPCError({ code: "BAD_REQUEST", message });
}

/** An object with exactly these fields (unknown ones are refused, so typos do not pass silently). */
export function object<Fields extends Record<string, Field<unknown>>>(
  fields: Fields,
): (input: unknown) => ObjectOf<Fields> {
  return (input) => {
    const record = input ?? {};
    if (!isPlainObject(record)) throw invalid("the input must be an object");
    for (const name of Object.keys(record)) {
      if (!(name in fields)) throw invalid(`unknown field "${name}"`);
    }
    const result: Record<string, unknown> = {};
    for (const [name, read] of Object.entries(fields)) {
      const value = read(record[name], name);
      if (value !== undefined) result[name] = value;
    }
    return result as ObjectOf<Fields>;
  };
}

/** Absent (undefined or null) reads as undefined; otherwise the field must hold. */
export function optional<Value>(field: Field<Value>): Field<Value | undefined> {
  return (value, name) => (value === undefined || value === null ? undefined : field(value, name));
}

/** A non-empty string. */
export const text: Field<string> = (value, name) => {
  if (typeof value !== "string" || value.trim() === "") throw invalid(`${name} must be a non-empty string`);
  return value;
};

/** Any string, the empty one included. */
export const anyText: Field<string> = (value, name) => {
  if (typeof value !== "string") throw invalid(`${name} must be a string`);
  return value;
};

export const finiteNumber: Field<number> = (value, name) => {
  if (typeof value !== "number" || !Number.isFinite(value)) throw invalid(`${name} must be a number`);
  return value;
};

/** A whole number, zero or more. */
export const count: Field<number> = (value, name) => {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`${name} must be a whole number, zero or more`);
  }
  return value;
};

export const flag: Field<boolean> = (value, name) => {
  if (typeof value !== "boolean") throw invalid(`${name} must be true or false`);
  return value;
};

export const textList: Field<string[]> = (value, name) => {
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw invalid(`${name} must be a list of strings`);
  }
  return value;
};

export const textMap: Field<Record<string, string>> = (value, name) => {
  if (!isPlainObject(value) || !Object.values(value).every((item) => typeof item === "string")) {
    throw invalid(`${name} must be an object of strings`);
  }
  return value as Record<string, string>;
};

export const jsonObject: Field<JsonObject> = (value, name) => {
  if (!isPlainObject(value)) throw invalid(`${name} must be an object`);
  return value as JsonObject;
};

/** A date or date-time in ISO 8601 ("2026-11-01", "2026-11-01T12:00:00Z"), kept as given. */
export const isoTime: Field<string> = (value, name) => {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(Date.parse(value))) {
    throw invalid(`${name} must be an ISO 8601 date, e.g. "2026-11-01" or "2026-11-01T12:00:00Z"`);
  }
  return value;
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
