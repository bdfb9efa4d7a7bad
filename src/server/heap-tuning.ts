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

/*
 * WebAssembly runs on Liftoff, V8's baseline compiler, alone. The gateway's
 * only WebAssembly on the request path is undici's HTTP parser (llhttp),
 * compiled at the first upstream connection; by default V8 recompiles its hot
 * functions with TurboFan, and that compilation of the parser's one large
 * state-machine function takes ~35 MiB of compiler memory at once. The
 * memory is freed, but malloc keeps most of it resident: under 64
 * connections Liftoff alone held 4–6 MiB less RSS (peak compiler memory 10
 * instead of 44 MiB) for no measurable CPU per request (BENCHMARKS.md). V8
 * reads the flag when a module is compiled, so setting it at start-up covers
 * llhttp (and the embedded store's PGlite, which src/store/pglite-worker.ts
 * compiles the same way).
 */
const WASM_FLAG = "--liftoff-only";

/** Applies the gateway's heap settings, each unless the operator set V8's flag themselves. */
export function tuneHeap(execArgv: readonly string[] = process.execArgv, env = process.env): void {
  // V8 spells its flags with dashes or underscores alike.
  const given = (...names: string[]) =>
    [...execArgv, env.NODE_OPTIONS ?? ""].some((text) =>
      names.some((name) => text.replaceAll("_", "-").includes(name)),
    );
  if (!given("--heap-growing-percent")) setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  if (!given("liftoff", "wasm-tier-up", "wasm-dynamic-tiering")) setFlagsFromString(WASM_FLAG);
}
