import { readdir, readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The image installs only `dependencies` (`npm prune --omit=dev`): a package the server imports at run time
 * but lists under devDependencies passes every test here and fails at start in the image. The console
 * (src/ui) is bundled by esbuild at build time, so its packages are build tools, not runtime ones.
 */
const serverRoot = "src";
const bundledAtBuildTime = join("src", "ui");

async function serverSources(directory: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      if (path !== bundledAtBuildTime) files.push(...(await serverSources(path)));
    } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) files.push(path);
  }
  return files;
}

/** The package a bare specifier names: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("node:") || builtinModules.includes(specifier)) {
    return undefined;
  }
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** What the file imports once compiled: type-only imports are gone, as they are in dist/. */
function runtimeImports(source: string): string[] {
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: false,
    },
  });
  return ts.preProcessFile(outputText, true, true).importedFiles.map((file) => file.fileName);
}

describe("runtime dependencies", () => {
  it("lists every package the server imports under dependencies, which the image keeps", async () => {
    const manifest = JSON.parse(await readFile("package.json", "utf8")) as {
      dependencies: Record<string, string>;
    };
    const missing = new Map<string, string>();
    for (const file of await serverSources(serverRoot)) {
      for (const specifier of runtimeImports(await readFile(file, "utf8"))) {
        const name = packageOf(specifier);
        if (name !== undefined && !(name in manifest.dependencies)) missing.set(name, file);
      }
    }
    expect(Object.fromEntries(missing)).toEqual({});
  });
});
