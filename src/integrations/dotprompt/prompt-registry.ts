import { type FSWatcher, watch } from "node:fs";
import { basename, dirname } from "node:path";
import { ConfigError } from "../../config/config-error.js";
import type { Logger } from "../../observability/logger.js";
import { loadPrompts, type PromptConfig } from "./load-prompts.js";
import { PromptSet } from "./prompt-set.js";

export interface PromptRegistryOptions {
  readonly config: PromptConfig;
  /** What loadPrompts read at start; may be absent only when the config names no prompts. */
  readonly initial?: PromptSet;
  readonly logger: Logger;
  /** Quiet time after the last file change before reloading (editors write in bursts); default 100 ms. */
  readonly debounceMs?: number;
}

/**
 * The prompts in use. A reload (files changed, SIGHUP) loads every source
 * anew and swaps the whole set in at once; a request holds the set it
 * started with, so in-flight requests never see half a reload. A reload that
 * finds a problem keeps the prompts held before and logs each problem with
 * its path and line (at start the same problems are fatal).
 */
export class PromptRegistry {
  readonly #options: PromptRegistryOptions;
  #current: PromptSet;
  readonly #watchers: FSWatcher[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** Reloads run one at a time, so an older read never overwrites a newer one. */
  #queue: Promise<unknown> = Promise.resolve();
  /** A reload queued and not started yet: later calls share it. */
  #waiting: Promise<boolean> | undefined;
  #closed = false;

  constructor(options: PromptRegistryOptions) {
    if (!options.initial && options.config.prompts.length > 0) {
      throw new Error("the config names prompts: load them with loadPrompts before starting the gateway");
    }
    this.#options = options;
    this.#current = options.initial ?? new PromptSet([]);
  }

  get current(): PromptSet {
    return this.#current;
  }

  /** Loads every prompt again; true when the new set replaced the old one. */
  reload(reason: string): Promise<boolean> {
    if (this.#waiting) return this.#waiting;
    const run = this.#queue.then(() => {
      this.#waiting = undefined;
      return this.#load(reason);
    });
    this.#waiting = run;
    this.#queue = run;
    return run;
  }

  /**
   * Reloads when a `.prompt` file (or a configured prompt_file) in a source's
   * directory changes. Directories are watched rather than files, so editors
   * that save by renaming a new file into place are seen too.
   */
  watch(): void {
    const watched = new Map<string, Set<string>>();
    for (const source of this.#options.config.prompts) {
      if (source.kind === "content") continue;
      const directory = source.kind === "directory" ? source.directory : dirname(source.file);
      const names = watched.get(directory) ?? new Set();
      if (source.kind === "file") names.add(basename(source.file));
      watched.set(directory, names);
    }
    const { logger } = this.#options;
    for (const [directory, names] of watched) {
      try {
        const watcher = watch(directory, { persistent: false }, (_event, name) => {
          if (name === null || name.endsWith(".prompt") || names.has(name)) this.#schedule(name);
        });
        watcher.on("error", (error) =>
          logger.warn({ directory, err: error.message }, "prompts: stopped watching a directory"),
        );
        this.#watchers.push(watcher);
      } catch (error) {
        logger.warn({ directory, err: (error as Error).message }, "prompts: cannot watch a directory");
      }
    }
  }

  /** Stops watching; a reload under way finishes but is not swapped in. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    for (const watcher of this.#watchers) watcher.close();
  }

  #schedule(name: string | null): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(
      () => void this.reload(`file change${name ? `: ${name}` : ""}`),
      this.#options.debounceMs ?? 100,
    );
    this.#timer.unref();
  }

  async #load(reason: string): Promise<boolean> {
    const { logger } = this.#options;
    try {
      const prompts = await loadPrompts(this.#options.config);
      if (this.#closed) return false;
      this.#current = prompts;
      for (const warning of prompts.warnings) logger.warn({ reason }, `prompts: ${warning}`);
      logger.info({ reason, prompts: prompts.prompts.length }, "prompts reloaded");
      return true;
    } catch (error) {
      const problems = error instanceof ConfigError ? error.problems : [(error as Error).message];
      logger.error({ reason, problems }, "prompts: reload failed; keeping the prompts loaded before");
      return false;
    }
  }
}
