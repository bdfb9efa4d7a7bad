import { setFlagsFromString } from "node:v8";

/**
 * How far V8 lets the old generation grow past what survived the last full
 * collection, in percent. V8's default picks up to 4× under a high
 * allocation rate, which a gateway always has: most of a call's objects are
 * garbage within milliseconds, yet under load the old space grew to ~125 MB
 * around ~45 MB of live objects. At 50% the loaded gateway's RSS fell by
 * ~30–40 MB at no measurable CPU cost (BENCHMARKS.md). V8 reads this flag
 * at every collection, so setting it at start-up takes effect.
 */
const HEAP_GROWING_PERCENT = 50;

/*
 * The young generation is the other half, and V8 sizes it once, when the
 * heap is created, so it cannot be set from here: `make run`, `npm start`
 * and the image start node with `--max-semi-space-size=8` (8 MiB a
 * semi-space instead of 16). Under 64 connections that kept ~16–20 MiB less
 * resident and halved the longest scavenge pauses, for the same CPU per
 * request (BENCHMARKS.md, "Embedded store").
 */

/** Applies the gateway's heap settings, unless the operator set V8's flag themselves. */
export function tuneHeap(execArgv: readonly string[] = process.execArgv, env = process.env): void {
  const flag = "--heap-growing-percent";
  const flagged = (text: string | undefined) =>
    text?.includes(flag) || text?.includes("--heap_growing_percent");
  if (execArgv.some((argument) => flagged(argument)) || flagged(env.NODE_OPTIONS)) return;
  setFlagsFromString(`${flag}=${HEAP_GROWING_PERCENT}`);
}
