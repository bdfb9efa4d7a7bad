import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { decodeObjectArray } from "../../src/wire/openai/request-fields.js";

function thrown(run: () => unknown): GatewayError {
  try {
    run();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("expected a GatewayError");
}

describe("decodeObjectArray", () => {
  const names = (value: Parameters<typeof decodeObjectArray>[0]) =>
    decodeObjectArray(value, "tools", (tool, path) => `${path}:${String(tool.name)}`);

  it("reads each element with its path", () => {
    expect(names([{ name: "a" }, { name: "b" }])).toEqual(["tools[0]:a", "tools[1]:b"]);
  });

  it("reads null or an absent array as empty", () => {
    expect(names(undefined)).toEqual([]);
    expect(names(null)).toEqual([]);
  });

  it("refuses a value that is not an array, naming it", () => {
    const error = thrown(() => names({ name: "a" }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.message).toContain("'tools' must be an array");
  });

  it("refuses an element that is not an object, naming it", () => {
    const error = thrown(() => names([{ name: "a" }, "b"]));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.message).toContain("'tools[1]' must be an object");
  });
});
