import { create, type JsonValue } from "@bufbuild/protobuf";
import {
  type ResponseFormat,
  ResponseFormatSchema,
  type Tool,
  type ToolChoice,
  ToolChoiceMode,
  ToolChoiceSchema,
  ToolSchema,
} from "../../../gen/switchyard/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.js";
import { isJsonObject } from "./json-object.js";
import type { OpenAIFunctionTool, OpenAIResponseFormat, OpenAIToolChoice } from "./openai-types.js";
import {
  decodeObjectArray,
  invalidField,
  optionalBoolean,
  optionalObject,
  optionalString,
  requiredNonEmptyString,
  requiredObject,
  requiredString,
} from "./request-fields.js";

/** Tools, tool_choice and response_format between OpenAI JSON and proto. */

const toolChoiceModeByName: ReadonlyMap<string, ToolChoiceMode> = new Map([
  ["none", ToolChoiceMode.NONE],
  ["auto", ToolChoiceMode.AUTO],
  ["required", ToolChoiceMode.REQUIRED],
]);

/** Indexed by ToolChoiceMode; unspecified is omitted on the wire. */
const toolChoiceModeNames: readonly ("none" | "auto" | "required" | undefined)[] = [
  undefined,
  "none",
  "auto",
  "required",
];

export function decodeTools(value: JsonValue | undefined): Tool[] {
  return decodeObjectArray(value, "tools", (tool, prefix) => {
    const type = optionalString(tool, "type", prefix);
    if (type !== undefined && type !== "function") {
      const path = `${prefix}.type`;
      throw GatewayError.invalidArgument(
        `'${path}': only 'function' tools are supported; got '${type}'`,
        path,
      );
    }
    const functionPrefix = `${prefix}.function`;
    const fn = requiredObject(tool, "function", prefix);
    return create(ToolSchema, {
      name: requiredNonEmptyString(fn, "name", functionPrefix),
      description: optionalString(fn, "description", functionPrefix) ?? "",
      parameters: optionalObject(fn, "parameters", functionPrefix),
      strict: optionalBoolean(fn, "strict", functionPrefix),
    });
  });
}

/**
 * A tool_choice the proto can express is returned as `toolChoice`. Other
 * object forms (`allowed_tools`, `custom`) come back as `passThrough`, for
 * the caller to forward untouched in extra_body rather than reject them.
 */
export function decodeToolChoice(value: JsonValue | undefined): {
  toolChoice?: ToolChoice;
  passThrough?: JsonValue;
} {
  if (value === undefined || value === null) return {};
  if (typeof value === "string") {
    const mode = toolChoiceModeByName.get(value);
    if (mode === undefined) {
      throw invalidField("", "tool_choice", "'none', 'auto', 'required' or a function choice");
    }
    return { toolChoice: create(ToolChoiceSchema, { choice: { case: "mode", value: mode } }) };
  }
  if (!isJsonObject(value)) {
    throw invalidField("", "tool_choice", "'none', 'auto', 'required' or a function choice");
  }
  const type = requiredString(value, "type", "tool_choice");
  if (type !== "function") return { passThrough: value };
  const fn = requiredObject(value, "function", "tool_choice");
  return {
    toolChoice: create(ToolChoiceSchema, {
      choice: { case: "functionName", value: requiredNonEmptyString(fn, "name", "tool_choice.function") },
    }),
  };
}

export function decodeResponseFormat(value: JsonValue | undefined): ResponseFormat | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value)) throw invalidField("", "response_format", "an object");
  const type = requiredString(value, "type", "response_format");
  switch (type) {
    case "text":
      return create(ResponseFormatSchema, { format: { case: "text", value: {} } });
    case "json_object":
      return create(ResponseFormatSchema, { format: { case: "jsonObject", value: {} } });
    case "json_schema": {
      const prefix = "response_format.json_schema";
      const schema = requiredObject(value, "json_schema", "response_format");
      return create(ResponseFormatSchema, {
        format: {
          case: "jsonSchema",
          value: {
            name: requiredString(schema, "name", prefix),
            description: optionalString(schema, "description", prefix) ?? "",
            schema: optionalObject(schema, "schema", prefix),
            strict: optionalBoolean(schema, "strict", prefix),
          },
        },
      });
    }
    default:
      throw invalidField("response_format", "type", "one of 'text', 'json_object', 'json_schema'");
  }
}

export function encodeTools(tools: readonly Tool[]): OpenAIFunctionTool[] {
  return tools.map((tool) => {
    const fn: OpenAIFunctionTool["function"] = { name: tool.name };
    if (tool.description !== "") fn.description = tool.description;
    if (tool.parameters !== undefined) fn.parameters = tool.parameters;
    if (tool.strict !== undefined) fn.strict = tool.strict;
    return { type: "function", function: fn };
  });
}

export function encodeToolChoice(toolChoice: ToolChoice | undefined): OpenAIToolChoice | undefined {
  switch (toolChoice?.choice.case) {
    case "mode":
      return toolChoiceModeNames[toolChoice.choice.value];
    case "functionName":
      return { type: "function", function: { name: toolChoice.choice.value } };
    default:
      return undefined;
  }
}

export function encodeResponseFormat(format: ResponseFormat | undefined): OpenAIResponseFormat | undefined {
  switch (format?.format.case) {
    case "text":
      return { type: "text" };
    case "jsonObject":
      return { type: "json_object" };
    case "jsonSchema": {
      const schema = format.format.value;
      const encoded: Extract<OpenAIResponseFormat, { type: "json_schema" }>["json_schema"] = {
        name: schema.name,
      };
      if (schema.description !== "") encoded.description = schema.description;
      if (schema.schema !== undefined) encoded.schema = schema.schema;
      if (schema.strict !== undefined) encoded.strict = schema.strict;
      return { type: "json_schema", json_schema: encoded };
    }
    default:
      return undefined;
  }
}
