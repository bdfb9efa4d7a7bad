import { PGlite } from "@electric-sql/pglite";
import { pgliteSettings } from "./pglite-settings.js";

/**
 * initdb for the embedded store, run as a child process by the PGlite worker
 * (src/store/pglite-worker.ts). Creating a cluster takes several times the
 * memory that serving it does (initdb's own WebAssembly instance, the
 * bootstrap catalogs); a process that exits gives all of it back, where a
 * thread's allocator keeps much of it. Usage: pglite-initdb <folder>.
 */
const folder = process.argv[2];
if (!folder) {
  process.stderr.write("usage: pglite-initdb <folder>\n");
  process.exit(2);
}
try {
  const database = await PGlite.create(folder, pgliteSettings);
  await database.close();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
