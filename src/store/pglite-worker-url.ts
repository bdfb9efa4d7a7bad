import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);

/** The compiled `.js` file next to this module (dist/, `node`), when there is one. */
function compiled(name: string): URL | undefined {
  const url = new URL(`./${name}.js`, import.meta.url);
  return existsSync(fileURLToPath(url)) ? url : undefined;
}

/**
 * How to start src/store/pglite-worker: compiled (dist/, `node`), the `.js`
 * file next to this module; from source (tsx, vitest), the `.ts` file, loaded
 * through tsx's loader registered inside the worker, since a worker thread
 * does not inherit the loaders of the thread that starts it.
 */
export function pgliteWorkerEntry(): { readonly entry: string | URL; readonly eval: boolean } {
  const entry = compiled("pglite-worker");
  if (entry) return { entry, eval: false };
  const source = new URL("./pglite-worker.ts", import.meta.url).href;
  // require.resolve finds the CommonJS build of tsx's API; its ES module twin sits beside it.
  const tsx = pathToFileURL(require.resolve("tsx/esm/api").replace(/\.cjs$/, ".mjs")).href;
  return {
    entry: `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); });`,
    eval: true,
  };
}

/**
 * The node arguments that run src/store/pglite-initdb in a child process:
 * the compiled file, or the source through tsx's loader.
 */
export function pgliteInitdbArgs(): string[] {
  const entry = compiled("pglite-initdb");
  if (entry) return [fileURLToPath(entry)];
  const tsx = pathToFileURL(require.resolve("tsx/esm")).href;
  return ["--import", tsx, fileURLToPath(new URL("./pglite-initdb.ts", import.meta.url))];
}
