import { create, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import {
  type ChatMessage,
  ChatMessageSchema,
  type ContentPart,
  ContentPartSchema,
  type ResponseFormat,
  ResponseFormatSchema,
  Role,
  type Tool,
  type ToolCall,
  ToolCallSchema,
  type ToolChoice,
  ToolChoiceMode,
  ToolChoiceSchema,
  ToolSchema,
} from "../../../gen/switchyard/v1/chat_pb.js";
import {
  type ChatCompletionRequest,
  ChatCompletionRequestSchema,
} from "../../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../../errors/gateway-error.js";
import { isJsonObject } from "../openai/json-object.js";
import {
  decodeObjectArray,
  invalidField,
  objectAt,
  optionalBoolean,
  optionalInt32,
  optionalNumber,
  optionalObject,
  optionalString,
  requiredNonEmptyString,
  requiredObject,
  requiredString,
} from "../openai/request-fields.js";
import { textPart } from "../text-part.js";

/**
 * A client's Anthropic Messages body as a switchyard.v1 chat request (shim
 * side). Strict about shapes (a wrong type is a 400 naming the field), and
 * the inverse of anthropic-request-encode.ts:
 *
 * - `system` becomes a leading system message; `role: "system"` messages
 *   inside `messages` (API version 2026-10-21) stay system messages in place.
 * - `tool_result` blocks of a user turn become tool messages, in order,
 *   before a user message with the turn's other blocks.
 * - `tool_use` blocks become tool calls with their input as JSON text;
 *   `thinking` blocks become the message's reasoning content.
 * - `tool_choice` any → required, tool → the named function,
 *   `disable_parallel_tool_use` → parallel_tool_calls false.
 * - `temperature`/`top_p` are accepted whatever the `anthropic-version`
 *   (2023-06-01 clients send them; the gateway does not enforce 2026-10-21's
 *   ban). `output_config.format` becomes a JSON-schema response format and
 *   `output_config.effort` the reasoning effort.
 * - Dropped, because no other provider understands them: `top_k`,
 *   `thinking`, `cache_control`, `service_tier`, `container`, citations,
 *   a tool result's `is_error`, and other Anthropic-only keys.
 */

export interface DecodedAnthropicRequest {
  request: ChatCompletionRequest;
  stream: boolean;
}

export interface DecodeAnthropicRequestOptions {
  /** `/v1/messages` requires `max_tokens`; `/v1/messages/count_tokens` takes none. */
  requireMaxTokens: boolean;
}

export function decodeAnthropicRequest(
  body: unknown,
  options: DecodeAnthropicRequestOptions = { requireMaxTokens: true },
): DecodedAnthropicRequest {
  if (!isJsonObject(body)) throw GatewayError.invalidArgument("request body must be a JSON object");
  const model = requiredNonEmptyString(body, "model", "");
  const maxTokens = optionalInt32(body, "max_tokens", "");
  if (maxTokens === undefined && options.requireMaxTokens) {
    throw GatewayError.invalidArgument("max_tokens: Field required", "max_tokens");
  }
  if (maxTokens !== undefined && maxTokens < 1) {
    throw GatewayError.invalidArgument("max_tokens: must be at least 1", "max_tokens");
  }
  const messages = decodeSystem(body.system);
  decodeMessages(body.messages, messages);
  const tools = decodeTools(body.tools);
  const { toolChoice, parallelToolCalls } = decodeToolChoice(body.tool_choice);
  const metadata = optionalObject(body, "metadata", "");
  const outputConfig = optionalObject(body, "output_config", "");
  const effort =
    outputConfig === undefined ? undefined : optionalString(outputConfig, "effort", "output_config");

  const stream = optionalBoolean(body, "stream", "") ?? false;
  const request = create(ChatCompletionRequestSchema, {
    model,
    messages,
    tools,
    toolChoice,
    parallelToolCalls,
    responseFormat: decodeOutputFormat(outputConfig),
    temperature: optionalNumber(body, "temperature", ""),
    topP: optionalNumber(body, "top_p", ""),
    maxTokens,
    stop: decodeStopSequences(body.stop_sequences),
    user: metadata === undefined ? "" : (optionalString(metadata, "user_id", "metadata") ?? ""),
    reasoningEffort: effort === "low" || effort === "medium" || effort === "high" ? effort : "",
    // Anthropic streams always end with usage (message_delta), so the gateway asks for it.
    streamOptions: stream ? { includeUsage: true } : undefined,
  });
  return { request, stream };
}

function decodeSystem(value: JsonValue | undefined): ChatMessage[] {
  if (value === undefined || value === null) return [];
  const content = decodeTextContent(value, "system");
  if (content.length === 0) return [];
  return [create(ChatMessageSchema, { role: Role.SYSTEM, content })];
}

/** A string, or an array of text blocks (system prompts, system messages). */
function decodeTextContent(value: JsonValue, path: string): ContentPart[] {
  if (typeof value === "string") return value === "" ? [] : [textPart(value)];
  if (!Array.isArray(value)) throw invalidAt(path, "a string or an array of text blocks");
  const parts: ContentPart[] = [];
  for (let index = 0; index < value.length; index++) {
    const prefix = `${path}[${index}]`;
    const block = objectAt(value[index], prefix);
    const type = requiredString(block, "type", prefix);
    if (type !== "text") throw invalidAt(`${prefix}.type`, "'text'");
    parts.push(textPart(requiredString(block, "text", prefix)));
  }
  return parts;
}

function decodeMessages(value: JsonValue | undefined, messages: ChatMessage[]): void {
  if (value === undefined || value === null) {
    throw GatewayError.invalidArgument("messages: Field required", "messages");
  }
  if (!Array.isArray(value)) throw invalidField("", "messages", "an array of messages");
  if (value.length === 0) {
    throw GatewayError.invalidArgument("messages: at least one message is required", "messages");
  }
  for (let index = 0; index < value.length; index++) {
    const prefix = `messages[${index}]`;
    const message = objectAt(value[index], prefix);
    const role = requiredString(message, "role", prefix);
    const content = message.content;
    if (content === undefined || content === null) {
      throw GatewayError.invalidArgument(`${prefix}.content: Field required`, `${prefix}.content`);
    }
    switch (role) {
      case "user":
        decodeUserTurn(content, prefix, messages);
        break;
      case "assistant":
        messages.push(decodeAssistantTurn(content, prefix));
        break;
      case "system":
        messages.push(
          create(ChatMessageSchema, {
            role: Role.SYSTEM,
            content: decodeTextContent(content, `${prefix}.content`),
          }),
        );
        break;
      default:
        throw invalidAt(`${prefix}.role`, "one of 'user', 'assistant', 'system'");
    }
  }
}

function decodeUserTurn(content: JsonValue, prefix: string, messages: ChatMessage[]): void {
  if (typeof content === "string") {
    messages.push(create(ChatMessageSchema, { role: Role.USER, content: [textPart(content)] }));
    return;
  }
  if (!Array.isArray(content)) throw invalidAt(`${prefix}.content`, "a string or an array of content blocks");
  const parts: ContentPart[] = [];
  for (let index = 0; index < content.length; index++) {
    const path = `${prefix}.content[${index}]`;
    const block = objectAt(content[index], path);
    const type = requiredString(block, "type", path);
    if (type === "tool_result") messages.push(decodeToolResult(block, path));
    else parts.push(decodeUserBlock(block, type, path));
  }
  if (parts.length > 0) messages.push(create(ChatMessageSchema, { role: Role.USER, content: parts }));
}

function decodeUserBlock(block: JsonObject, type: string, path: string): ContentPart {
  switch (type) {
    case "text":
      return textPart(requiredString(block, "text", path));
    case "image": {
      const source = requiredObject(block, "source", path);
      const url = decodeSourceUrl(source, `${path}.source`);
      return create(ContentPartSchema, { part: { case: "imageUrl", value: { url } } });
    }
    case "document": {
      const sourcePath = `${path}.source`;
      const source = requiredObject(block, "source", path);
      const sourceType = requiredString(source, "type", sourcePath);
      // A plain-text document is just text for a model without document support.
      if (sourceType === "text") return textPart(requiredString(source, "data", sourcePath));
      const filename = optionalString(block, "title", path) ?? "";
      if (sourceType === "file") {
        const fileId = requiredNonEmptyString(source, "file_id", sourcePath);
        return create(ContentPartSchema, { part: { case: "file", value: { fileId, filename } } });
      }
      const fileData = decodeSourceUrl(source, sourcePath);
      return create(ContentPartSchema, { part: { case: "file", value: { fileData, filename } } });
    }
    default:
      throw GatewayError.invalidArgument(
        `'${path}.type': unsupported content block type '${type}'`,
        `${path}.type`,
      );
  }
}

/** base64 sources become data URLs, url sources their URL: the proto's one image representation. */
function decodeSourceUrl(source: JsonObject, path: string): string {
  const type = requiredString(source, "type", path);
  if (type === "base64") {
    return `data:${requiredString(source, "media_type", path)};base64,${requiredString(source, "data", path)}`;
  }
  if (type === "url") return requiredNonEmptyString(source, "url", path);
  throw invalidAt(`${path}.type`, "'base64' or 'url'");
}

function decodeToolResult(block: JsonObject, path: string): ChatMessage {
  const toolCallId = requiredNonEmptyString(block, "tool_use_id", path);
  const content = block.content;
  let parts: ContentPart[] = [];
  if (typeof content === "string") parts = [textPart(content)];
  else if (Array.isArray(content)) {
    for (let index = 0; index < content.length; index++) {
      const innerPath = `${path}.content[${index}]`;
      const inner = objectAt(content[index], innerPath);
      parts.push(decodeUserBlock(inner, requiredString(inner, "type", innerPath), innerPath));
    }
  } else if (content !== undefined && content !== null) {
    throw invalidAt(`${path}.content`, "a string or an array of content blocks");
  }
  return create(ChatMessageSchema, { role: Role.TOOL, toolCallId, content: parts });
}

function decodeAssistantTurn(content: JsonValue, prefix: string): ChatMessage {
  if (typeof content === "string") {
    return create(ChatMessageSchema, {
      role: Role.ASSISTANT,
      content: content === "" ? [] : [textPart(content)],
    });
  }
  if (!Array.isArray(content)) throw invalidAt(`${prefix}.content`, "a string or an array of content blocks");
  const parts: ContentPart[] = [];
  const toolCalls: ToolCall[] = [];
  let reasoningContent = "";
  for (let index = 0; index < content.length; index++) {
    const path = `${prefix}.content[${index}]`;
    const block = objectAt(content[index], path);
    const type = requiredString(block, "type", path);
    switch (type) {
      case "text":
        parts.push(textPart(requiredString(block, "text", path)));
        break;
      case "tool_use": {
        const input = block.input;
        toolCalls.push(
          create(ToolCallSchema, {
            id: requiredNonEmptyString(block, "id", path),
            name: requiredNonEmptyString(block, "name", path),
            arguments: input === undefined || input === null ? "{}" : JSON.stringify(input),
          }),
        );
        break;
      }
      case "thinking":
        reasoningContent += requiredString(block, "thinking", path);
        break;
      case "redacted_thinking":
        break;
      default:
        throw GatewayError.invalidArgument(
          `'${path}.type': unsupported content block type '${type}'`,
          `${path}.type`,
        );
    }
  }
  return create(ChatMessageSchema, { role: Role.ASSISTANT, content: parts, toolCalls, reasoningContent });
}

function decodeTools(value: JsonValue | undefined): Tool[] {
  return decodeObjectArray(value, "tools", (tool, prefix) => {
    const type = optionalString(tool, "type", prefix);
    if (type !== undefined && type !== "custom") {
      throw GatewayError.invalidArgument(
        `'${prefix}.type': only custom tools are supported; got '${type}'`,
        `${prefix}.type`,
      );
    }
    return create(ToolSchema, {
      name: requiredNonEmptyString(tool, "name", prefix),
      description: optionalString(tool, "description", prefix) ?? "",
      parameters: requiredObject(tool, "input_schema", prefix),
      strict: optionalBoolean(tool, "strict", prefix),
    });
  });
}

function decodeToolChoice(value: JsonValue | undefined): {
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
} {
  if (value === undefined || value === null) return {};
  if (!isJsonObject(value)) throw invalidField("", "tool_choice", "an object");
  const type = requiredString(value, "type", "tool_choice");
  const disable = optionalBoolean(value, "disable_parallel_tool_use", "tool_choice");
  const parallelToolCalls = disable === true ? false : undefined;
  const mode = (mode: ToolChoiceMode) => create(ToolChoiceSchema, { choice: { case: "mode", value: mode } });
  switch (type) {
    case "auto":
      return { toolChoice: mode(ToolChoiceMode.AUTO), parallelToolCalls };
    case "any":
      return { toolChoice: mode(ToolChoiceMode.REQUIRED), parallelToolCalls };
    case "none":
      return { toolChoice: mode(ToolChoiceMode.NONE) };
    case "tool":
      return {
        toolChoice: create(ToolChoiceSchema, {
          choice: { case: "functionName", value: requiredNonEmptyString(value, "name", "tool_choice") },
        }),
        parallelToolCalls,
      };
    default:
      throw invalidField("tool_choice", "type", "one of 'auto', 'any', 'tool', 'none'");
  }
}

function decodeOutputFormat(outputConfig: JsonObject | undefined): ResponseFormat | undefined {
  if (outputConfig === undefined) return undefined;
  const format = optionalObject(outputConfig, "format", "output_config");
  if (format === undefined) return undefined;
  const type = requiredString(format, "type", "output_config.format");
  if (type !== "json_schema") throw invalidField("output_config.format", "type", "'json_schema'");
  return create(ResponseFormatSchema, {
    format: {
      case: "jsonSchema",
      value: { name: "output", schema: requiredObject(format, "schema", "output_config.format") },
    },
  });
}

function decodeStopSequences(value: JsonValue | undefined): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidField("", "stop_sequences", "an array of strings");
  for (let index = 0; index < value.length; index++) {
    if (typeof value[index] !== "string") throw invalidAt(`stop_sequences[${index}]`, "a string");
  }
  // Every element was checked to be a string: the parsed array is used as is.
  return value as string[];
}

function invalidAt(path: string, expected: string): GatewayError {
  return GatewayError.invalidArgument(`'${path}' must be ${expected}`, path);
}
