import { describe, expect, it } from "vitest";
import { maskSecret } from "../../src/credentials/mask.js";

describe("maskSecret", () => {
  it("shows the first four characters of a key, then ****", () => {
    expect(maskSecret("sk-proj-abcdefghijklmnop")).toBe("sk-p****");
    expect(maskSecret("123456789012")).toBe("1234****");
  });

  it("masks short values whole", () => {
    expect(maskSecret("")).toBe("****");
    expect(maskSecret("abc")).toBe("****");
    expect(maskSecret("12345678901")).toBe("****");
  });

  it("never splits a character", () => {
    expect(maskSecret("\u{1f511}\u{1f511}key-0123456789")).toBe("\u{1f511}\u{1f511}ke****");
  });
});
