import type { ConfigDiagnostics } from "./config-diagnostics.js";
import { childPath, isMapping } from "./config-tree.js";
import { describeValue } from "./field-checks.js";

/**
 * Calls `check` with each entry of a YAML list that is a mapping, and its
 * path; any other entry is reported and skipped, so one bad entry does not
 * hide the problems of the others.
 */
export function forEachMapping(
  entries: readonly unknown[],
  listPath: string,
  diagnostics: ConfigDiagnostics,
  check: (entry: Record<string, unknown>, path: string, index: number) => void,
): void {
  entries.forEach((entry, index) => {
    const path = childPath(listPath, index);
    if (!isMapping(entry)) {
      diagnostics.problem(path, `expected a mapping, got ${describeValue(entry, false)}`);
      return;
    }
    check(entry, path, index);
  });
}

/**
 * The names the entries of one YAML list have claimed: a later entry with a
 * taken name is reported at its own path, naming the entry that has it.
 */
export class ListNames {
  readonly #owners = new Map<string, number>();

  constructor(
    readonly listPath: string,
    readonly diagnostics: ConfigDiagnostics,
  ) {}

  /** Claims `name` for entry `index`; false, reported at `path`, when an earlier entry has it. */
  claim(name: string, index: number, path: string, what: string): boolean {
    const owner = this.#owners.get(name);
    if (owner !== undefined) {
      this.diagnostics.problem(path, `duplicate ${what} "${name}" (also ${childPath(this.listPath, owner)})`);
      return false;
    }
    this.#owners.set(name, index);
    return true;
  }
}
