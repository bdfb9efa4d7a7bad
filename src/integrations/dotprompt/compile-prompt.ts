import { clone, type JsonObject } from "@bufbuild/protobuf";
import { Dotprompt, type PromptFunction } from "dotprompt";
import { type ChatMessage, ResponseFormatSchema } from "../../../gen/switchyard/v1/chat_pb.js";
import type { ChatCompletionRequest } from "../../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../../errors/gateway-error.js";
import { DOTPROMPT_MARKER, forgedMarker } from "./forged-markers.js";
import { type PromptProblem, readPromptDocument } from "./prompt-document.js";
import { toChatMessages } from "./prompt-messages.js";
import { type PromptMetadata, readPromptMetadata } from "./prompt-metadata.js";
import { applyPromptParameters } from "./prompt-parameters.js";
import { formatPromptKey, type PromptKey } from "./prompt-source.js";
import { schemaViolation } from "./schema-violation.js";

/** A prompt loaded, checked and compiled: immutable, and shared by every request that names it. */
export interface LoadedPrompt extends PromptMetadata {
  readonly id: string;
  readonly version: number | undefined;
  /** The file path, or "config" for `dotprompt_content`. */
  readonly source: string;
  /**
   * Checks the variables (with the defaults filled in) against the input
   * schema and renders the prompt's messages. A variable that is missing or
   * of the wrong type is an invalid argument naming it, with `param`.
   */
  render(variables: JsonObject | undefined, param: string): Promise<ChatMessage[]>;
  /** Sets the response format where the request has none (its own copy: requests are mutated downstream). */
  applyResponseFormat(request: ChatCompletionRequest): void;
  /** Sets the prompt's parameters the request left unset. */
  applyParameters(request: ChatCompletionRequest): void;
}

export interface PromptOrigin {
  /** Names the text in messages: a file path or the config key of inline content. */
  readonly path: string;
  /** What ListPrompts shows: the file path, or "config". */
  readonly source: string;
}

export interface CompileReport {
  /** `path:line: message` for each problem. */
  readonly problems: string[];
  readonly warnings: string[];
}

// One instance is enough: dotprompt keeps each compiled template in its PromptFunction.
const dotprompt = new Dotprompt();

/**
 * Reads, checks and compiles one prompt with the dotprompt package. The
 * template is rendered once here with the defaults alone, so that template
 * syntax errors, unknown helpers or partials and unsupported roles are found
 * at load, with their line, rather than on the first request. Returns
 * undefined when something was added to `report.problems`.
 */
export async function compilePrompt(
  text: string,
  key: PromptKey,
  origin: PromptOrigin,
  report: CompileReport,
): Promise<LoadedPrompt | undefined> {
  const problems: PromptProblem[] = [];
  const warnings: PromptProblem[] = [];
  const where = (problem: PromptProblem) =>
    `${origin.path}:${problem.line}${problem.column === undefined ? "" : `:${problem.column}`}: ${problem.message}`;
  const compiled = await checkAndCompile(text, key, problems, warnings);
  report.problems.push(...problems.map(where));
  report.warnings.push(...warnings.map(where));
  return compiled && loadedPrompt(key, origin, compiled.metadata, compiled.render);
}

interface Compiled {
  readonly metadata: PromptMetadata;
  readonly render: PromptFunction;
}

async function checkAndCompile(
  text: string,
  key: PromptKey,
  problems: PromptProblem[],
  warnings: PromptProblem[],
): Promise<Compiled | undefined> {
  const document = readPromptDocument(text, problems);
  if (!document) return undefined;
  const metadata = await readPromptMetadata(document, key.id, problems, warnings);
  if (problems.length > 0) return undefined;
  try {
    const render = await dotprompt.compile(text);
    toChatMessages((await render({ input: {} }, renderOptions(metadata))).messages);
    return { metadata, render };
  } catch (error) {
    problems.push(templateProblem(error, document.templateLineOffset));
    return undefined;
  }
}

/** dotprompt 1.1.2 ignores the frontmatter's input.default unless render is given it again. */
function renderOptions(metadata: PromptMetadata) {
  return { input: { default: metadata.inputDefaults } };
}

function loadedPrompt(
  key: PromptKey,
  origin: PromptOrigin,
  metadata: PromptMetadata,
  template: PromptFunction,
): LoadedPrompt {
  const name = formatPromptKey(key);
  const { inputSchema, inputDefaults, responseFormat, parameters } = metadata;
  const options = renderOptions(metadata);
  return {
    ...metadata,
    id: key.id,
    version: key.version,
    source: origin.source,
    async render(variables, param) {
      const forged = forgedMarker(variables);
      if (forged !== undefined) {
        const message = `prompt variable "${forged}" may not contain "${DOTPROMPT_MARKER}" (dotprompt's role and media markers)`;
        throw GatewayError.invalidArgument(message, param);
      }
      if (inputSchema) {
        const violation = schemaViolation({ ...inputDefaults, ...variables }, inputSchema);
        if (violation) throw GatewayError.invalidArgument(`${violation} (prompt "${name}")`, param);
      }
      try {
        return toChatMessages((await template({ input: variables ?? {} }, options)).messages);
      } catch (error) {
        const message = `prompt "${name}" could not be rendered with these variables: ${(error as Error).message}`;
        throw GatewayError.invalidArgument(message, param);
      }
    },
    applyResponseFormat(request) {
      if (responseFormat && !request.responseFormat) {
        request.responseFormat = clone(ResponseFormatSchema, responseFormat);
      }
    },
    applyParameters(request) {
      applyPromptParameters(parameters, request);
    },
  };
}

/**
 * A Handlebars error at its line of the file. Parse errors say "Parse error
 * on line N:" and quote the template before the reason; others carry
 * `lineNumber` and end with " - line:column".
 */
function templateProblem(error: unknown, lineOffset: number): PromptProblem {
  const message = error instanceof Error ? error.message : String(error);
  const parse = /^(?:Parse|Lexical) error on line (\d+)/.exec(message);
  if (parse) {
    const reason = message.split("\n").at(-1) ?? message;
    return { line: lineOffset + Number(parse[1]), message: `template: ${reason}` };
  }
  const line = (error as { lineNumber?: unknown }).lineNumber;
  return {
    line: lineOffset + (typeof line === "number" ? line : 1),
    message: `template: ${message.replace(/ - \d+:\d+$/, "")}`,
  };
}
