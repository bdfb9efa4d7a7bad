import type { JsonObject } from "@bufbuild/protobuf";
import type { ChatCompletionRequest } from "../../../gen/switchyard/v1/completion_pb.js";
import type { PromptDocument, PromptProblem } from "./prompt-document.js";

/** Request parameters a prompt sets wherever the request leaves them unset. */
export interface PromptParameters {
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  stop?: readonly string[];
  seed?: bigint;
  presencePenalty?: number;
  frequencyPenalty?: number;
  n?: number;
  reasoningEffort?: string;
  /** Not an OpenAI parameter: sent as `top_k` in the upstream body, which vLLM, TGI and others read. */
  topK?: number;
}

type Field = keyof PromptParameters;
/** The value for the field, or what was expected. */
type Reader = (value: unknown) => { value: PromptParameters[Field] } | { expected: string };

const INT32_MAX = 2147483647;

const number: Reader = (value) =>
  typeof value === "number" && Number.isFinite(value) ? { value } : { expected: "a number" };
const positiveInteger: Reader = (value) =>
  typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= INT32_MAX
    ? { value }
    : { expected: "a positive integer" };
const integer: Reader = (value) =>
  typeof value === "number" && Number.isSafeInteger(value)
    ? { value: BigInt(value) }
    : { expected: "an integer" };
const text: Reader = (value) => (typeof value === "string" ? { value } : { expected: "a string" });
const stop: Reader = (value) => {
  if (typeof value === "string") return { value: [value] };
  if (Array.isArray(value) && value.every((each) => typeof each === "string")) return { value };
  return { expected: "a string or a list of strings" };
};

/**
 * Config keys by name: dotprompt's (Genkit's camelCase: maxOutputTokens,
 * stopSequences, …) and OpenAI's, which LiteLLM's .prompt files use.
 */
const parameterKeys: ReadonlyMap<string, { field: Field; read: Reader }> = new Map([
  ["temperature", { field: "temperature", read: number }],
  ["topP", { field: "topP", read: number }],
  ["top_p", { field: "topP", read: number }],
  ["maxOutputTokens", { field: "maxTokens", read: positiveInteger }],
  ["maxTokens", { field: "maxTokens", read: positiveInteger }],
  ["max_tokens", { field: "maxTokens", read: positiveInteger }],
  ["max_completion_tokens", { field: "maxTokens", read: positiveInteger }],
  ["stopSequences", { field: "stop", read: stop }],
  ["stop", { field: "stop", read: stop }],
  ["seed", { field: "seed", read: integer }],
  ["presencePenalty", { field: "presencePenalty", read: number }],
  ["presence_penalty", { field: "presencePenalty", read: number }],
  ["frequencyPenalty", { field: "frequencyPenalty", read: number }],
  ["frequency_penalty", { field: "frequencyPenalty", read: number }],
  ["candidateCount", { field: "n", read: positiveInteger }],
  ["n", { field: "n", read: positiveInteger }],
  ["reasoningEffort", { field: "reasoningEffort", read: text }],
  ["reasoning_effort", { field: "reasoningEffort", read: text }],
  ["topK", { field: "topK", read: positiveInteger }],
  ["top_k", { field: "topK", read: positiveInteger }],
]);

export interface ReadParameters {
  readonly parameters: PromptParameters;
  /** The parameters as written (config, then top-level keys), for ListPrompts. */
  readonly config: JsonObject;
}

/**
 * Reads the frontmatter's `config` and, as LiteLLM's .prompt files write
 * them, parameter keys at the top level (`temperature: 0.2` beside `model`).
 * A wrong type is a problem; an unknown `config` key a warning, since it
 * would otherwise be dropped unnoticed.
 */
export function readPromptParameters(
  document: PromptDocument,
  problems: PromptProblem[],
  warnings: PromptProblem[],
): ReadParameters {
  const { frontmatter } = document;
  const parameters: PromptParameters = {};
  const config: JsonObject = {};
  const setBy = new Map<Field, string>();
  const read = (path: string[], value: unknown) => {
    const name = path.join(".");
    const line = document.lineOf(path);
    const key = parameterKeys.get(path.at(-1)!);
    if (!key) {
      warnings.push({ line, message: `${name} is not a request parameter Switchyard knows; ignored` });
      return;
    }
    const result = key.read(value);
    if ("expected" in result) {
      problems.push({ line, message: `${name}: expected ${result.expected}` });
      return;
    }
    const earlier = setBy.get(key.field);
    if (earlier !== undefined) {
      problems.push({ line, message: `${name}: the same parameter as ${earlier}` });
      return;
    }
    setBy.set(key.field, name);
    (parameters as Record<Field, unknown>)[key.field] = result.value;
    config[path.at(-1)!] = value as JsonObject[string];
  };

  const written = frontmatter.config;
  if (written !== undefined && written !== null) {
    if (typeof written !== "object" || Array.isArray(written)) {
      problems.push({ line: document.lineOf(["config"]), message: "config: expected a mapping" });
    } else for (const [name, value] of Object.entries(written)) read(["config", name], value);
  }
  for (const [name, value] of Object.entries(frontmatter)) {
    if (parameterKeys.has(name)) read([name], value);
  }
  return { parameters, config };
}

/** Sets each of the prompt's parameters the request left unset. */
export function applyPromptParameters(parameters: PromptParameters, request: ChatCompletionRequest): void {
  if (request.temperature === undefined) request.temperature = parameters.temperature;
  if (request.topP === undefined) request.topP = parameters.topP;
  if (request.maxTokens === undefined) request.maxTokens = parameters.maxTokens;
  if (request.stop.length === 0 && parameters.stop) request.stop = [...parameters.stop];
  if (request.seed === undefined) request.seed = parameters.seed;
  if (request.presencePenalty === undefined) request.presencePenalty = parameters.presencePenalty;
  if (request.frequencyPenalty === undefined) request.frequencyPenalty = parameters.frequencyPenalty;
  if (request.n === undefined) request.n = parameters.n;
  if (request.reasoningEffort === "" && parameters.reasoningEffort) {
    request.reasoningEffort = parameters.reasoningEffort;
  }
  if (parameters.topK !== undefined && request.extraBody?.top_k === undefined) {
    request.extraBody = { ...request.extraBody, top_k: parameters.topK };
  }
}
