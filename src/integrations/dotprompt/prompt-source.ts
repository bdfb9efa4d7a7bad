/**
 * Where managed prompts come from, as the config names them (checked by
 * src/config/validate-prompts.ts): LiteLLM's
 * `litellm_settings.global_prompt_directory` and the entries of the
 * top-level `prompts:` list. Paths are absolute. `where` is the config key
 * that named the source, for messages.
 */
export type PromptSource = PromptDirectorySource | PromptFileSource | PromptContentSource;

/** The `*.prompt` files of a directory (not of its subdirectories). */
export interface PromptDirectorySource {
  readonly kind: "directory";
  readonly directory: string;
  /** Only the files of this prompt (a `prompts:` entry); absent: every file (the global directory). */
  readonly only?: PromptKey;
  readonly where: string;
}

/** One file holding the prompt `key`, whatever the file is called. */
export interface PromptFileSource {
  readonly kind: "file";
  readonly file: string;
  readonly key: PromptKey;
  readonly where: string;
}

/** A prompt written inline in the config (`dotprompt_content`). */
export interface PromptContentSource {
  readonly kind: "content";
  readonly content: string;
  readonly key: PromptKey;
  readonly where: string;
}

/** A prompt's id and, for `{id}.v{N}`, its version. */
export interface PromptKey {
  readonly id: string;
  readonly version?: number;
}

// Up to nine digits, so every version fits the proto's int32.
const versionedName = /^(.+)\.v(\d{1,9})$/;

/** `greet.v2` → version 2 of `greet`; `greet` → the unversioned `greet`. */
export function parsePromptKey(name: string): PromptKey {
  const match = versionedName.exec(name);
  return match ? { id: match[1]!, version: Number(match[2]) } : { id: name };
}

/** `greet`, or `greet.v2`, as files and messages name it. */
export function formatPromptKey(key: PromptKey): string {
  return key.version === undefined ? key.id : `${key.id}.v${key.version}`;
}
