/**
 * Everything wrong with a config file, found in one pass so the operator can
 * fix them all at once. Each problem starts with the path of the bad key in
 * LiteLLM's words (`model_list[2].litellm_params.model: …`), or with
 * `file:line:col` for YAML syntax errors. Problems never hold secret values.
 */
export class ConfigError extends Error {
  readonly problems: string[];
  /** The file path, or "demo". */
  readonly source: string;

  constructor(problems: string[], source: string) {
    super(problems.join("\n"));
    this.name = "ConfigError";
    this.problems = problems;
    this.source = source;
  }
}
