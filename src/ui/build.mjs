// Builds the web console into dist/ui: one script and one stylesheet, named
// by content hash (served as immutable), and an index.html naming them.
// Plain JavaScript so that `npm ci` (the prepare script) can run it with
// node alone. Usage: node src/ui/build.mjs [outDir]
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_OUT_DIR = resolve(here, "../../dist/ui");

/**
 * Builds the console into `outDir` (replaced whole, so stale hashed files do
 * not pile up). Resolves with the file names written under assets/.
 * @param {{ outDir?: string }} [options]
 */
export async function buildConsole(options = {}) {
  const esbuild = await import("esbuild");
  const outDir = resolve(options.outDir ?? DEFAULT_OUT_DIR);
  // Built beside the target, then swapped in, so a running gateway never serves half a build.
  const staging = `${outDir}.building-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  const result = await esbuild.build({
    entryPoints: [join(here, "main.tsx")],
    outdir: join(staging, "assets"),
    entryNames: "[name]-[hash]",
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    sourcemap: "linked",
    jsx: "automatic",
    jsxImportSource: "preact",
    tsconfig: join(here, "tsconfig.json"),
    metafile: true,
    logLevel: "warning",
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => basename(file));
  const script = outputs.find((file) => file.endsWith(".js"));
  const stylesheet = outputs.find((file) => file.endsWith(".css"));
  if (!script || !stylesheet) throw new Error(`the console build wrote no script or stylesheet: ${outputs}`);
  await writeFile(join(staging, "index.html"), page(script, stylesheet));
  await mkdir(dirname(outDir), { recursive: true });
  await rm(outDir, { recursive: true, force: true });
  await rename(staging, outDir);
  return { outDir, script, stylesheet };
}

/** @param {string} script @param {string} stylesheet */
function page(script, stylesheet) {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Switchyard console</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/ui/assets/${stylesheet}" />
    <script type="module" src="/ui/assets/${script}"></script>
  </head>
  <body>
    <div id="app"></div>
  </body>
</html>
`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const built = await buildConsole({ outDir: process.argv[2] });
    console.log(`web console built in ${built.outDir}`);
  } catch (error) {
    // An install without dev dependencies (npm ci --omit=dev) has no esbuild: the gateway runs, /ui says so.
    if (error?.code !== "ERR_MODULE_NOT_FOUND" || !String(error.message).includes("esbuild")) throw error;
    console.warn("esbuild is not installed (a production install?): the web console was not built");
  }
}
