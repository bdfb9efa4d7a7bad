/**
 * Collects problems (fatal) and warnings (logged) while a config is checked,
 * so one run reports everything. Remembers which paths held an unset
 * `os.environ/NAME`, so a missing required value names the variable to set.
 */
export class ConfigDiagnostics {
  readonly problems: string[] = [];
  readonly warnings: string[] = [];
  /** Path → name of the unset variable it referenced. */
  readonly #unsetVariables = new Map<string, string>();
  /** Paths of keys Switchyard does not implement, for the one warning that names them all. */
  readonly #ignored: string[] = [];

  problem(path: string, message: string): void {
    this.problems.push(`${path}: ${message}`);
  }

  warn(path: string, message: string): void {
    this.warnings.push(`${path}: ${message}`);
  }

  /** `path` referenced `os.environ/name`, which is unset. Names the variable, never a value. */
  unsetVariable(path: string, name: string): void {
    this.#unsetVariables.set(path, name);
    this.warn(path, `environment variable ${name} is not set`);
  }

  /** A key Switchyard does not implement: named in one start-up warning with every other such key. */
  ignored(path: string): void {
    this.#ignored.push(path);
  }

  /** Turns the ignored keys into their one warning line; call once, when the whole file was read. */
  reportIgnored(): void {
    if (this.#ignored.length === 0) return;
    this.warnings.push(`ignored (not implemented by Switchyard): ${this.#ignored.join(", ")}`);
    this.#ignored.length = 0;
  }

  /** A required value is absent, perhaps because its variable is unset. */
  required(path: string): void {
    const variable = this.#unsetVariables.get(path);
    this.problem(path, variable ? `required (environment variable ${variable} is not set)` : "required");
  }
}
