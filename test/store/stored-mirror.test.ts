import { describe, expect, it, vi } from "vitest";
import type { Logger } from "../../src/observability/logger.js";
import { type MirrorSource, StoredMirror } from "../../src/store/stored-mirror.js";

interface Row {
  readonly id: string;
  readonly value: string;
}

function fakeSource(rows: Map<string, string>) {
  let notify: ((ref: string | undefined) => void) | undefined;
  const unsubscribe = vi.fn(async () => {});
  const source: MirrorSource<string, Row> & { fail: boolean } = {
    fail: false,
    listen: async (onChange) => {
      notify = onChange;
      return unsubscribe;
    },
    readAll: async () => {
      if (source.fail) throw new Error("database unreachable");
      return [...rows].map(([id, value]) => ({ id, value }));
    },
    readSome: async (id) => {
      if (source.fail) throw new Error("database unreachable");
      const value = rows.get(id);
      return value === undefined ? [] : [{ id, value }];
    },
  };
  return { source, unsubscribe, notify: (ref: string | undefined) => notify?.(ref) };
}

function mirrorOf(source: MirrorSource<string, Row> | undefined, warn = vi.fn()) {
  const logger = { warn } as unknown as Logger;
  return new StoredMirror<string, Row, string>({
    source,
    idsOf: (id) => [id],
    idOf: (row) => row.id,
    // "bad" values are left out, and one that turns bad keeps what was held.
    admit: (row, previous) => (row.value === "bad" ? previous : row.value),
    entity: "things",
    logFields: (id) => ({ thing: id }),
    logger,
  });
}

describe("StoredMirror", () => {
  it("without a source is loaded and empty at once", async () => {
    const mirror = mirrorOf(undefined);
    await mirror.start();
    expect(mirror.loaded).toBe(true);
    expect(mirror.size).toBe(0);
  });

  it("loads every row at start, then reloads what a change names", async () => {
    const rows = new Map([
      ["a", "1"],
      ["b", "2"],
    ]);
    const { source, notify } = fakeSource(rows);
    const mirror = mirrorOf(source);
    const changed = vi.fn();
    mirror.onChanged(changed);
    expect(mirror.loaded).toBe(false);
    await mirror.start();
    expect(mirror.loaded).toBe(true);
    expect([mirror.get("a"), mirror.get("b")]).toEqual(["1", "2"]);
    rows.set("a", "10");
    rows.delete("b");
    rows.set("c", "3");
    notify("a");
    await mirror.reload("b");
    expect([mirror.get("a"), mirror.get("b"), mirror.get("c")]).toEqual(["10", undefined, undefined]);
    await mirror.reload(undefined);
    expect(mirror.get("c")).toBe("3");
    expect(changed.mock.calls).toEqual([[undefined], ["a"], ["b"], [undefined]]);
    expect(mirror.version).toBe(4);
  });

  it("keeps what it held when a reload fails, with one warning per failure", async () => {
    const rows = new Map([["a", "1"]]);
    const { source } = fakeSource(rows);
    const warn = vi.fn();
    const mirror = mirrorOf(source, warn);
    await mirror.start();
    source.fail = true;
    rows.delete("a");
    await mirror.reload("a");
    await mirror.reload(undefined);
    expect(mirror.get("a")).toBe("1");
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[0]).toEqual([
      { thing: "a", err: "internal error" },
      "things: could not reload from the database; keeping what was loaded",
    ]);
  });

  it("hands the policy what was held, so a row that turns bad can keep it", async () => {
    const rows = new Map([["a", "1"]]);
    const { source } = fakeSource(rows);
    const mirror = mirrorOf(source);
    await mirror.start();
    rows.set("a", "bad");
    await mirror.reload("a");
    expect(mirror.get("a")).toBe("1");
  });

  it("runs reloads one at a time, in order", async () => {
    const rows = new Map([["a", "1"]]);
    const { source } = fakeSource(rows);
    const mirror = mirrorOf(source);
    await mirror.start();
    rows.set("a", "2");
    const first = mirror.reload("a");
    rows.set("a", "3");
    await Promise.all([first, mirror.reload("a")]);
    expect(mirror.get("a")).toBe("3");
  });

  it("stops listening and telling on stop", async () => {
    const { source, unsubscribe } = fakeSource(new Map());
    const mirror = mirrorOf(source);
    const changed = vi.fn();
    mirror.onChanged(changed);
    await mirror.start();
    await mirror.stop();
    await mirror.reload(undefined);
    expect(unsubscribe).toHaveBeenCalledOnce();
    expect(changed).toHaveBeenCalledOnce();
  });
});
