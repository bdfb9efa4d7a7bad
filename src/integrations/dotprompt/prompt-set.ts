import { Code } from "@connectrpc/connect";
import { GatewayError } from "../../errors/gateway-error.js";
import type { LoadedPrompt } from "./compile-prompt.js";

/**
 * Every loaded prompt, immutable: a reload builds a new set and swaps it in
 * whole, so a request keeps the set it started with.
 */
export class PromptSet {
  /** Sorted by id, the unversioned prompt before its numbered versions in order. */
  readonly prompts: readonly LoadedPrompt[];
  /** Non-fatal findings of the load, `path:line: message`. */
  readonly warnings: readonly string[];
  readonly #byId = new Map<string, { unversioned?: LoadedPrompt; versions: Map<number, LoadedPrompt> }>();

  constructor(prompts: readonly LoadedPrompt[], warnings: readonly string[] = []) {
    this.prompts = [...prompts].sort((a, b) =>
      a.id < b.id ? -1 : a.id > b.id ? 1 : (a.version ?? -1) - (b.version ?? -1),
    );
    this.warnings = warnings;
    for (const prompt of this.prompts) {
      let entry = this.#byId.get(prompt.id);
      if (!entry) {
        entry = { versions: new Map() };
        this.#byId.set(prompt.id, entry);
      }
      if (prompt.version === undefined) entry.unversioned = prompt;
      else entry.versions.set(prompt.version, prompt);
    }
  }

  /** Whether any version of the prompt exists. */
  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /**
   * The prompt `{id}.v{version}`; without a version, the unversioned
   * `{id}`, or when there is none, its highest version.
   */
  find(id: string, version?: number): LoadedPrompt | undefined {
    const entry = this.#byId.get(id);
    if (!entry) return undefined;
    if (version !== undefined) return entry.versions.get(version);
    if (entry.unversioned) return entry.unversioned;
    let highest: LoadedPrompt | undefined;
    for (const prompt of entry.versions.values()) {
      if (!highest || prompt.version! > highest.version!) highest = prompt;
    }
    return highest;
  }
}

/** Names the request fields that chose a prompt, for errors. */
export interface PromptParams {
  readonly id: string;
  readonly version: string;
}

/** The prompt, or NOT_FOUND (404) naming the field at fault: the id, or the version of a known id. */
export function requirePrompt(
  prompts: PromptSet,
  id: string,
  version: number | undefined,
  params: PromptParams,
): LoadedPrompt {
  const prompt = prompts.find(id, version);
  if (prompt) return prompt;
  const known = prompts.has(id);
  throw new GatewayError({
    code: Code.NotFound,
    message: known ? `prompt "${id}" has no version ${version}` : `prompt "${id}" does not exist`,
    param: known ? params.version : params.id,
    errorCode: "prompt_not_found",
  });
}
