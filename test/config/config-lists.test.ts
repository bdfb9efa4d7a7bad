import { describe, expect, it } from "vitest";
import { ConfigDiagnostics } from "../../src/config/config-diagnostics.js";
import { forEachMapping, ListNames } from "../../src/config/config-lists.js";

describe("forEachMapping", () => {
  it("checks each mapping with its path and reports every other entry", () => {
    const diagnostics = new ConfigDiagnostics();
    const seen: [string, number, unknown][] = [];
    forEachMapping([{ a: 1 }, "oops", null, { b: 2 }], "things", diagnostics, (entry, path, index) => {
      seen.push([path, index, entry]);
    });
    expect(seen).toEqual([
      ["things[0]", 0, { a: 1 }],
      ["things[3]", 3, { b: 2 }],
    ]);
    expect(diagnostics.problems).toEqual([
      'things[1]: expected a mapping, got "oops"',
      "things[2]: expected a mapping, got nothing",
    ]);
  });
});

describe("ListNames", () => {
  it("lets the first entry have a name and reports later ones, naming the first", () => {
    const diagnostics = new ConfigDiagnostics();
    const names = new ListNames("things", diagnostics);
    expect(names.claim("a", 0, "things[0].name", "name")).toBe(true);
    expect(names.claim("b", 1, "things[1].name", "name")).toBe(true);
    expect(names.claim("a", 2, "things[2].name", "name")).toBe(false);
    expect(diagnostics.problems).toEqual(['things[2].name: duplicate name "a" (also things[0])']);
  });
});
