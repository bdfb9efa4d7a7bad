import { open, readFile, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { storeUnavailable } from "./store-errors.js";

/**
 * The embedded Postgres is single-process: two gateways opening one data
 * directory would corrupt it. A `switchyard.lock` file holding the owner's pid
 * keeps a second process out; a lock whose process is gone is taken over.
 * Returns the function that releases it.
 */
// Directories this process holds: a lock file naming our own pid but absent
// here is a leftover from an earlier process that had the same pid (pid 1 in
// a restarted container).
const heldHere = new Set<string>();

export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const path = join(dataDir, "switchyard.lock");
  const key = resolve(path);
  if (heldHere.has(key)) throw storeUnavailable(undefined, `the data directory ${dataDir} is already open`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      heldHere.add(key);
      return async () => {
        heldHere.delete(key);
        await rm(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const owner = Number((await readFile(path, "utf8").catch(() => "")).trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
      throw storeUnavailable(undefined, `the data directory ${dataDir} is in use by process ${owner}`);
    }
    await rm(path, { force: true });
  }
  throw storeUnavailable(undefined, `cannot lock the data directory ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
