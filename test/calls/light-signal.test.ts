import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as wait } from "node:timers/promises";
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { LightSignal } from "../../src/calls/light-signal.js";

describe("the per-call light signal", () => {
  it("calls each abort listener once, with an abort event and the reason on the signal", () => {
    const signal = new LightSignal();
    const heard: string[] = [];
    const listener = (event: Event) => heard.push(`${event.type}:${String(signal.reason)}`);
    signal.addEventListener("abort", listener);
    signal.addEventListener("abort", listener);
    signal.addEventListener("abort", { handleEvent: () => heard.push("object") });
    const removed = () => heard.push("removed");
    signal.addEventListener("abort", removed);
    signal.removeEventListener("abort", removed);
    signal.abort("deadline");
    signal.abort("again");
    signal.addEventListener("abort", () => heard.push("late"));
    expect(heard).toEqual(["abort:deadline", "object"]);
    expect(signal.aborted).toBe(true);
    expect(() => signal.throwIfAborted()).toThrow("deadline");
  });

  it("aborts with an AbortError when given no reason", () => {
    const signal = new LightSignal();
    signal.abort();
    expect(signal.reason).toBeInstanceOf(DOMException);
    expect((signal.reason as DOMException).name).toBe("AbortError");
  });

  it("cuts a node:timers wait and an undici request, as Node's AbortSignal does", async () => {
    const waiting = new LightSignal();
    const sleeping = wait(60_000, undefined, { signal: waiting });
    waiting.abort(new Error("stop waiting"));
    await expect(sleeping).rejects.toThrow();

    // An upstream that never answers: only the signal ends the request.
    const server = createServer(() => {});
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const { port } = server.address() as AddressInfo;
      const signal = new LightSignal();
      const pending = request(`http://127.0.0.1:${port}/`, { signal });
      server.once("request", () => signal.abort(new Error("attempt deadline")));
      await expect(pending).rejects.toThrow("attempt deadline");
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
