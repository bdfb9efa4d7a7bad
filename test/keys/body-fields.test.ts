import { describe, expect, it } from "vitest";
import {
  bodyObject,
  optionalBoolean,
  optionalInteger,
  optionalObject,
  optionalString,
  optionalStrings,
  requiredString,
} from "../../src/shim/litellm/body-fields.js";

describe("LiteLLM body fields", () => {
  const body = { name: "a", count: 2, ratio: 0.5, on: true, info: { x: 1 }, tags: ["t"], gone: null };

  it("reads a field of the right type, and null or absent as undefined", () => {
    expect(optionalString(body, "name")).toBe("a");
    expect(optionalInteger(body, "count")).toBe(2);
    expect(optionalBoolean(body, "on")).toBe(true);
    expect(optionalObject(body, "info")).toEqual({ x: 1 });
    expect(optionalStrings(body, "tags")).toEqual(["t"]);
    expect(optionalString(body, "gone")).toBeUndefined();
    expect(optionalObject(body, "missing")).toBeUndefined();
  });

  it("refuses a wrong type naming the field, never the value", () => {
    expect(() => optionalString(body, "count")).toThrow("count must be a string");
    expect(() => optionalInteger(body, "name")).toThrow("name must be a number");
    expect(() => optionalInteger(body, "ratio")).toThrow("ratio must be a whole number");
    expect(() => optionalBoolean(body, "name")).toThrow("name must be true or false");
    expect(() => optionalObject(body, "tags")).toThrow("tags must be an object");
    expect(() => optionalStrings(body, "info")).toThrow("info must be a list of strings");
    expect(() => requiredString({ key: "" }, "key")).toThrow("key is required");
    expect(() => bodyObject([])).toThrow("request body must be a JSON object");
  });
});
