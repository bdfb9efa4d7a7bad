import { LineCounter, parseDocument } from "yaml";

/** Something wrong in a prompt's text, at a 1-based line of its file (or of its inline content). */
export interface PromptProblem {
  readonly line: number;
  readonly column?: number;
  readonly message: string;
}

/** A `.prompt` text split the way dotprompt splits it, with its frontmatter read and positions kept. */
export interface PromptDocument {
  /** The frontmatter as data; empty when there is none. */
  readonly frontmatter: Readonly<Record<string, unknown>>;
  /** The line of the value at a frontmatter key path; the frontmatter's first line when it is absent. */
  lineOf(path: readonly string[]): number;
  /** Line N of the template (which dotprompt trims) is line N + templateLineOffset of the text. */
  readonly templateLineOffset: number;
}

// dotprompt's own split (parse.ts FRONTMATTER_AND_BODY_REGEX), with indices, so that
// what is checked here is exactly what dotprompt will read.
const frontmatterAndBody = /^---\s*(?:\r\n|\r|\n)([\s\S]*?)(?:\r\n|\r|\n)---\s*(?:\r\n|\r|\n)([\s\S]*)$/d;
const opensFrontmatter = /^---[ \t]*(?:\r\n|\r|\n|$)/;
const lineBreak = /\r\n|\r|\n/g;

/**
 * Splits and reads a prompt's text, adding what is wrong to `problems`.
 * dotprompt itself only logs a frontmatter it cannot parse and then renders
 * the whole file as the template, and treats an unclosed frontmatter as
 * template text; both are problems here.
 */
export function readPromptDocument(text: string, problems: PromptProblem[]): PromptDocument | undefined {
  const match = frontmatterAndBody.exec(text);
  if (!match) {
    if (opensFrontmatter.test(text)) {
      problems.push({ line: 1, message: "the frontmatter's opening --- has no closing --- line" });
      return undefined;
    }
    return { frontmatter: {}, lineOf: () => 1, templateLineOffset: 0 };
  }
  const front = match[1]!;
  const body = match[2]!;
  const frontLineOffset = linesBefore(text, match.indices![1]![0]);
  const lineCounter = new LineCounter();
  // The options dotprompt's parse() uses (YAML 1.2 core schema), so both read the same data.
  const document = parseDocument(front, { lineCounter, prettyErrors: false });
  const lineAt = (offset: number) => lineCounter.linePos(offset);
  if (document.errors.length > 0) {
    for (const error of document.errors) {
      const { line, col } = lineAt(error.pos[0]);
      problems.push({ line: frontLineOffset + line, column: col, message: `frontmatter: ${error.message}` });
    }
    return undefined;
  }
  let data: unknown;
  try {
    data = document.toJS();
  } catch (error) {
    // e.g. too many alias expansions.
    problems.push({ line: frontLineOffset + 1, message: `frontmatter: ${(error as Error).message}` });
    return undefined;
  }
  if (data !== null && data !== undefined && !isRecord(data)) {
    problems.push({ line: frontLineOffset + 1, message: "the frontmatter must be a YAML mapping" });
    return undefined;
  }
  const templateStart = match.indices![2]![0] + (body.length - body.trimStart().length);
  return {
    frontmatter: data ?? {},
    lineOf(path) {
      const node = document.getIn(path, true) as { range?: readonly number[] } | undefined;
      const offset = node?.range?.[0];
      return frontLineOffset + (offset === undefined ? 1 : lineAt(offset).line);
    },
    templateLineOffset: linesBefore(text, templateStart),
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function linesBefore(text: string, end: number): number {
  return text.slice(0, end).match(lineBreak)?.length ?? 0;
}
