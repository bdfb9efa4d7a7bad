import type { ConfigDiagnostics } from "../config/config-diagnostics.js";
import { forEachMapping } from "../config/config-lists.js";
import { childPath, isMapping } from "../config/config-tree.js";
import { describeValue, expectPositiveInteger, expectPositiveNumber } from "../config/field-checks.js";
import { type Detector, PREBUILT } from "./detectors.js";

/** When a guardrail runs: on the input before the call, beside the call, on the answer. */
export type GuardrailMode = "pre_call" | "during_call" | "post_call";
export type ContentAction = "BLOCK" | "MASK";

export interface PatternRule {
  readonly name: string;
  readonly detector: Detector;
  readonly action: ContentAction;
}

export interface KeywordRule {
  /** Lower-cased; matched case-insensitively. */
  readonly keyword: string;
  readonly action: ContentAction;
  readonly description?: string;
}

/** One entry of the list as it is read: its litellm_params, where they stand, and where to report. */
interface GuardrailEntry {
  readonly name: string;
  readonly params: Record<string, unknown>;
  readonly path: string;
  readonly diagnostics: ConfigDiagnostics;
  readonly env: NodeJS.ProcessEnv;
}

interface Common {
  readonly name: string;
  readonly modes: ReadonlySet<GuardrailMode>;
  /** Runs on every call, not only those that name it. */
  readonly defaultOn: boolean;
}

/** `guardrail: litellm_content_filter`: prebuilt or regex patterns and blocked words, each BLOCK or MASK. */
export interface ContentFilterSpec extends Common {
  readonly kind: "litellm_content_filter";
  readonly patterns: readonly PatternRule[];
  readonly keywords: readonly KeywordRule[];
  /** `pattern_redaction_format`, with `{pattern_name}`; LiteLLM's default `[{pattern_name}_REDACTED]`. */
  readonly maskFormat: string;
  readonly keywordTag: string;
}

/** `guardrail: generic_guardrail_api`: LiteLLM's HTTP contract, POST `<api_base>/beta/litellm_basic_guardrail_api`. */
export interface GenericApiSpec extends Common {
  readonly kind: "generic_guardrail_api";
  readonly url: string;
  readonly apiKey?: string;
  readonly timeoutMs: number;
  /** `unreachable_fallback: fail_open`: the call goes on when the service is down; default fail_closed. */
  readonly failOpen: boolean;
  readonly extraParams: Readonly<Record<string, unknown>>;
}

/** `guardrail: max_input_tokens`: refuses inputs over `max_tokens` (estimated, ~4 characters a token). */
export interface MaxInputTokensSpec extends Common {
  readonly kind: "max_input_tokens";
  readonly maxTokens: number;
}

/** `guardrail: openai_moderation`: the texts through OpenAI's `/moderations`; flagged → blocked. */
export interface OpenAIModerationSpec extends Common {
  readonly kind: "openai_moderation";
  readonly url: string;
  readonly apiKey?: string;
  readonly model: string;
  readonly timeoutMs: number;
  readonly failOpen: boolean;
}

export type GuardrailSpec = ContentFilterSpec | GenericApiSpec | MaxInputTokensSpec | OpenAIModerationSpec;

const SERVED = [
  "litellm_content_filter",
  "generic_guardrail_api",
  "openai_moderation",
  "max_input_tokens",
] as const;
const MODES: readonly GuardrailMode[] = ["pre_call", "during_call", "post_call"];
const GENERIC_PATH = "/beta/litellm_basic_guardrail_api";
const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The top-level `guardrails:` list, as LiteLLM reads it. A guardrail from a
 * vendor Switchyard does not run is named in a warning and left out (the call
 * is not checked by it); a bad value of one it runs stops the start.
 */
export function parseGuardrails(
  value: unknown,
  diagnostics: ConfigDiagnostics,
  env: NodeJS.ProcessEnv = {},
): GuardrailSpec[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    diagnostics.problem("guardrails", `expected a list, got ${describeValue(value, false)}`);
    return [];
  }
  const specs: GuardrailSpec[] = [];
  const names = new Set<string>();
  forEachMapping(value, "guardrails", diagnostics, (entry, path) => {
    const name = entry.guardrail_name;
    if (typeof name !== "string" || name.trim() === "") {
      diagnostics.problem(childPath(path, "guardrail_name"), "expected a non-empty string");
      return;
    }
    if (names.has(name)) {
      diagnostics.problem(childPath(path, "guardrail_name"), `"${name}" is named twice`);
      return;
    }
    names.add(name);
    const paramsPath = childPath(path, "litellm_params");
    const params = entry.litellm_params;
    if (!isMapping(params)) {
      diagnostics.problem(paramsPath, `expected a mapping, got ${describeValue(params, false)}`);
      return;
    }
    const spec = parseOne({ name, params, path: paramsPath, diagnostics, env });
    if (spec) specs.push(spec);
  });
  return specs;
}

function parseOne(entry: GuardrailEntry): GuardrailSpec | undefined {
  const { name, params, path, diagnostics } = entry;
  const kind = params.guardrail;
  if (typeof kind !== "string" || !(SERVED as readonly string[]).includes(kind)) {
    diagnostics.warn(
      childPath(path, "guardrail"),
      `${describeValue(kind, false)} is not served by Switchyard (served: ${SERVED.join(", ")}); guardrail "${name}" is not applied`,
    );
    return undefined;
  }
  const modes = parseModes(params.mode, childPath(path, "mode"), diagnostics);
  if (!modes) return undefined;
  const defaultOn = params.default_on === true || params.default_on === "true";
  const common = { name, modes, defaultOn };
  switch (kind) {
    case "litellm_content_filter":
      return parseContentFilter(common, entry);
    case "generic_guardrail_api":
      return parseGenericApi(common, entry);
    case "openai_moderation":
      return parseOpenAIModeration(common, entry);
    default: {
      const checked = expectPositiveInteger(params.max_tokens);
      if ("expected" in checked) {
        diagnostics.problem(
          childPath(path, "max_tokens"),
          `expected ${checked.expected}, got ${describeValue(params.max_tokens, false)}`,
        );
        return undefined;
      }
      return { ...common, kind: "max_input_tokens", maxTokens: checked.value as number };
    }
  }
}

function parseModes(
  value: unknown,
  path: string,
  diagnostics: ConfigDiagnostics,
): ReadonlySet<GuardrailMode> | undefined {
  const listed =
    value === undefined || value === null ? ["pre_call"] : Array.isArray(value) ? value : [value];
  const modes = new Set<GuardrailMode>();
  for (const mode of listed) {
    if (!(MODES as readonly unknown[]).includes(mode)) {
      diagnostics.problem(
        path,
        `expected one of ${MODES.join(", ")} (or a list), got ${describeValue(mode, false)}`,
      );
      return undefined;
    }
    modes.add(mode as GuardrailMode);
  }
  return modes;
}

function parseAction(
  value: unknown,
  path: string,
  diagnostics: ConfigDiagnostics,
): ContentAction | undefined {
  const action = typeof value === "string" ? value.toUpperCase() : value;
  if (action === "BLOCK" || action === "MASK") return action;
  diagnostics.problem(path, `expected BLOCK or MASK, got ${describeValue(value, false)}`);
  return undefined;
}

function parseContentFilter(common: Common, entry: GuardrailEntry): ContentFilterSpec | undefined {
  const { params, path, diagnostics } = entry;
  const patterns: PatternRule[] = [];
  const keywords: KeywordRule[] = [];
  let valid = true;
  const listOf = (key: string): unknown[] => {
    const value = params[key];
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value;
    diagnostics.problem(childPath(path, key), `expected a list, got ${describeValue(value, false)}`);
    valid = false;
    return [];
  };
  listOf("patterns").forEach((entry, index) => {
    const at = childPath(childPath(path, "patterns"), index);
    if (!isMapping(entry)) {
      diagnostics.problem(at, `expected a mapping, got ${describeValue(entry, false)}`);
      valid = false;
      return;
    }
    const action = parseAction(entry.action, childPath(at, "action"), diagnostics);
    const type = entry.pattern_type ?? (entry.pattern_name !== undefined ? "prebuilt" : "regex");
    let rule: PatternRule | undefined;
    if (type === "prebuilt") {
      const detector = typeof entry.pattern_name === "string" ? PREBUILT[entry.pattern_name] : undefined;
      if (!detector) {
        diagnostics.problem(
          childPath(at, "pattern_name"),
          `expected one of ${Object.keys(PREBUILT).join(", ")}, got ${describeValue(entry.pattern_name, false)}`,
        );
      } else if (action) rule = { name: entry.pattern_name as string, detector, action };
    } else if (type === "regex") {
      try {
        if (typeof entry.pattern !== "string" || entry.pattern === "")
          throw new Error("expected a regular expression");
        const pattern = new RegExp(entry.pattern, "gi");
        if (action)
          rule = {
            name: typeof entry.name === "string" ? entry.name : "custom_regex",
            detector: { pattern },
            action,
          };
      } catch (error) {
        diagnostics.problem(childPath(at, "pattern"), error instanceof Error ? error.message : String(error));
      }
    } else {
      diagnostics.problem(
        childPath(at, "pattern_type"),
        `expected prebuilt or regex, got ${describeValue(type, false)}`,
      );
    }
    if (rule) patterns.push(rule);
    else valid = false;
  });
  listOf("blocked_words").forEach((entry, index) => {
    const at = childPath(childPath(path, "blocked_words"), index);
    if (!isMapping(entry) || typeof entry.keyword !== "string" || entry.keyword === "") {
      diagnostics.problem(at, "expected a mapping with a non-empty keyword");
      valid = false;
      return;
    }
    const action = parseAction(entry.action ?? "BLOCK", childPath(at, "action"), diagnostics);
    if (!action) {
      valid = false;
      return;
    }
    keywords.push({
      keyword: entry.keyword.toLowerCase(),
      action,
      ...(typeof entry.description === "string" && { description: entry.description }),
    });
  });
  if (!valid) return undefined;
  return {
    ...common,
    kind: "litellm_content_filter",
    patterns,
    keywords,
    maskFormat:
      typeof params.pattern_redaction_format === "string"
        ? params.pattern_redaction_format
        : "[{pattern_name}_REDACTED]",
    keywordTag:
      typeof params.keyword_redaction_tag === "string" ? params.keyword_redaction_tag : "[KEYWORD_REDACTED]",
  };
}

/** What the guardrails that call a service share: where, how long, and what when it is down. */
function parseService(
  entry: GuardrailEntry,
  base: unknown,
  route: string,
): { url: string; timeoutMs: number; failOpen: boolean; apiKey?: string } | undefined {
  const { params, path, diagnostics } = entry;
  let url: URL | undefined;
  try {
    if (typeof base === "string") url = new URL(base.replace(/\/+$/, "") + route);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    diagnostics.problem(
      childPath(path, "api_base"),
      `expected an http(s) URL, got ${describeValue(base, false)}`,
    );
    return undefined;
  }
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  if (params.timeout !== undefined) {
    const checked = expectPositiveNumber(params.timeout);
    if ("expected" in checked) {
      diagnostics.problem(childPath(path, "timeout"), `expected ${checked.expected} of seconds`);
      return undefined;
    }
    timeoutMs = (checked.value as number) * 1000;
  }
  const fallback = params.unreachable_fallback ?? "fail_closed";
  if (fallback !== "fail_closed" && fallback !== "fail_open") {
    diagnostics.problem(
      childPath(path, "unreachable_fallback"),
      `expected fail_closed or fail_open, got ${describeValue(fallback, false)}`,
    );
    return undefined;
  }
  return {
    url: url.href,
    ...(typeof params.api_key === "string" && params.api_key !== "" && { apiKey: params.api_key }),
    timeoutMs,
    failOpen: fallback === "fail_open",
  };
}

function parseGenericApi(common: Common, entry: GuardrailEntry): GenericApiSpec | undefined {
  const params = entry.params;
  const service = parseService(entry, params.api_base, GENERIC_PATH);
  if (!service) return undefined;
  return {
    ...common,
    kind: "generic_guardrail_api",
    ...service,
    extraParams: isMapping(params.additional_provider_specific_params)
      ? params.additional_provider_specific_params
      : {},
  };
}

function parseOpenAIModeration(common: Common, entry: GuardrailEntry): OpenAIModerationSpec | undefined {
  const { params, env } = entry;
  const base = params.api_base ?? env.OPENAI_API_BASE ?? env.OPENAI_BASE_URL ?? "https://api.openai.com/v1";
  const service = parseService(entry, base, "/moderations");
  if (!service) return undefined;
  const apiKey = service.apiKey ?? (env.OPENAI_API_KEY || undefined);
  return {
    ...common,
    kind: "openai_moderation",
    ...service,
    ...(apiKey && { apiKey }),
    model: typeof params.model === "string" && params.model ? params.model : "omni-moderation-latest",
  };
}
