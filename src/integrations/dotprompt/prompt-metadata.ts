import { create, type JsonObject } from "@bufbuild/protobuf";
import { picoschema } from "dotprompt";
import { type ResponseFormat, ResponseFormatSchema } from "../../../gen/switchyard/v1/chat_pb.js";
import { isRecord, type PromptDocument, type PromptProblem } from "./prompt-document.js";
import { type PromptParameters, readPromptParameters } from "./prompt-parameters.js";
import { schemaViolation } from "./schema-violation.js";

/** What a prompt's frontmatter asks of a request, checked. */
export interface PromptMetadata {
  /** `model` as written. */
  readonly model: string | undefined;
  readonly parameters: PromptParameters;
  /** The parameters as written. */
  readonly config: JsonObject;
  /** `input.schema` as JSON Schema (Picoschema converted by dotprompt's own converter). */
  readonly inputSchema: JsonObject | undefined;
  /** `input.default`. */
  readonly inputDefaults: JsonObject | undefined;
  /** From `output`: a JSON schema format when it has a schema, JSON object for `format: json`. */
  readonly responseFormat: ResponseFormat | undefined;
}

/** Reads the frontmatter's model, config, input and output; adds what is wrong to `problems`. */
export async function readPromptMetadata(
  document: PromptDocument,
  promptId: string,
  problems: PromptProblem[],
  warnings: PromptProblem[],
): Promise<PromptMetadata> {
  const { frontmatter } = document;
  const problem = (path: string[], message: string) =>
    problems.push({ line: document.lineOf(path), message: `${path.join(".")}: ${message}` });

  let model: string | undefined;
  if (frontmatter.model !== undefined && frontmatter.model !== null) {
    if (typeof frontmatter.model === "string" && frontmatter.model.trim() !== "") model = frontmatter.model;
    else problem(["model"], "expected a model name");
  }
  const { parameters, config } = readPromptParameters(document, problems, warnings);

  const input = section(frontmatter, "input", problem);
  const inputSchema = await readSchema(input?.schema, ["input", "schema"], problem);
  if (inputSchema && inputSchema.type !== "object") {
    problem(["input", "schema"], "must describe an object: prompt variables are named");
  }
  let inputDefaults: JsonObject | undefined;
  if (input?.default !== undefined && input.default !== null) {
    if (!isRecord(input.default)) problem(["input", "default"], "expected a mapping of variable values");
    else {
      inputDefaults = toJson(input.default);
      const violation = inputSchema && schemaViolation(inputDefaults, inputSchema, { requireAll: false });
      if (violation) problem(["input", "default"], violation);
    }
  }

  const output = section(frontmatter, "output", problem);
  const outputSchema = await readSchema(output?.schema, ["output", "schema"], problem);
  const format = output?.format;
  if (format !== undefined && typeof format !== "string") problem(["output", "format"], "expected a string");
  let responseFormat: ResponseFormat | undefined;
  if (outputSchema) {
    responseFormat = create(ResponseFormatSchema, {
      format: { case: "jsonSchema", value: { name: schemaName(promptId), schema: outputSchema } },
    });
  } else if (format === "json") {
    responseFormat = create(ResponseFormatSchema, { format: { case: "jsonObject", value: {} } });
  } else if (typeof format === "string" && format !== "text") {
    warnings.push({
      line: document.lineOf(["output", "format"]),
      message: `output.format "${format}" has no chat equivalent; ignored`,
    });
  }
  return { model, parameters, config, inputSchema, inputDefaults, responseFormat };
}

function section(
  frontmatter: Readonly<Record<string, unknown>>,
  key: string,
  problem: (path: string[], message: string) => void,
): Record<string, unknown> | undefined {
  const value = frontmatter[key];
  if (value === undefined || value === null) return undefined;
  if (isRecord(value)) return value;
  problem([key], "expected a mapping");
  return undefined;
}

async function readSchema(
  value: unknown,
  path: string[],
  problem: (path: string[], message: string) => void,
): Promise<JsonObject | undefined> {
  if (value === undefined || value === null) return undefined;
  try {
    // dotprompt's converter pushes into enum lists it is given: it gets a copy.
    const schema: unknown = await picoschema(structuredClone(value));
    return isRecord(schema) ? toJson(schema) : undefined;
  } catch (error) {
    problem(path, (error as Error).message);
    return undefined;
  }
}

/** Plain JSON (undefined fields dropped), as a google.protobuf.Struct holds it. */
function toJson(value: Record<string, unknown>): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

/** OpenAI's json_schema names allow letters, digits, _ and -, up to 64. */
function schemaName(promptId: string): string {
  return promptId.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64);
}
