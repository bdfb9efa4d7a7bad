import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * How to start src/store/pglite-worker: compiled (dist/, `node`), the `.js`
 * file next to this module; from source (tsx, vitest), the `.ts` file, loaded
 * through tsx's loader registered inside the worker, since a worker thread
 * does not inherit the loaders of the thread that starts it.
 */
export function pgliteWorkerEntry(): { readonly entry: string | URL; readonly eval: boolean } {
  const compiled = new URL("./pglite-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(compiled))) return { entry: compiled, eval: false };
  const source = new URL("./pglite-worker.ts", import.meta.url).href;
  // require.resolve finds the CommonJS build of tsx's API; its ES module twin sits beside it.
  const tsx = pathToFileURL(
    createRequire(import.meta.url)
      .resolve("tsx/esm/api")
      .replace(/\.cjs$/, ".mjs"),
  ).href;
  return {
    entry: `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); });`,
    eval: true,
  };
}
