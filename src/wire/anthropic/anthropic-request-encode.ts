import type { JsonObject } from "@bufbuild/protobuf";
import {
  type ChatMessage,
  type Tool,
  type ToolChoice,
  ToolChoiceMode,
} from "../../../gen/switchyard/v1/chat_pb.js";
import type { ChatCompletionRequest } from "../../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../../errors/gateway-error.js";
import { encodeTurns, parseArguments } from "../alternating-turns.js";
import { type ContentPartEncoder, encodeContentParts } from "../content-part-encoder.js";
import { LITELLM_ONLY_FIELDS } from "../litellm/control-fields.js";
import { defaultMaxTokens } from "./anthropic-max-tokens.js";
import type {
  AnthropicContentBlock,
  AnthropicImageSource,
  AnthropicMessageParam,
  AnthropicRequest,
  AnthropicRole,
  AnthropicTextBlock,
  AnthropicTool,
  AnthropicToolChoice,
  AnthropicToolResultBlock,
} from "./anthropic-types.js";

/**
 * A switchyard.v1 chat request as an Anthropic Messages body (provider side).
 *
 * - System and developer messages, wherever they are, become the top-level
 *   `system` (a string for one, text blocks for several).
 * - Tool messages become `tool_result` blocks in a user turn; assistant tool
 *   calls become `tool_use` blocks with their arguments parsed to an object.
 * - Consecutive turns of the same role are merged into one, as the API
 *   requires (so a run of tool results, and a user text after them, make one
 *   user turn). A turn that is one text block is sent as a plain string.
 * - Images: data URLs become base64 sources, other URLs url sources; files
 *   become `document` blocks. Audio is rejected (no Anthropic equivalent).
 * - `max_tokens` is always sent: the caller's, else a default for the model.
 * - Parameters Anthropic lacks (seed, penalties, logprobs) are dropped; n > 1
 *   is rejected, since it cannot be honoured.
 */

export interface EncodeAnthropicRequestOptions {
  /** The model as the upstream names it. */
  model: string;
  stream: boolean;
  /**
   * Whether `temperature` and `top_p` may be sent. API version 2026-10-21
   * rejects them with a 400, so they are dropped for it.
   */
  samplingParameters: boolean;
  /**
   * LiteLLM's drop_params: leave out what Anthropic cannot take (`n` > 1,
   * OpenAI-only extra fields) instead of refusing the request.
   */
  dropParams?: boolean;
}

/** Extra body fields Anthropic's Messages API takes; under drop_params only these are passed on. */
const anthropicExtraKeys: ReadonlySet<string> = new Set([
  "top_k",
  "thinking",
  "service_tier",
  "container",
  "mcp_servers",
  "context_management",
  "inference_geo",
]);

/** Keys extra_body may not override: they carry the call itself. */
const reservedKeys: ReadonlySet<string> = new Set(["model", "messages", "stream"]);

const emptyInputSchema: JsonObject = { type: "object", properties: {} };

export function encodeAnthropicRequest(
  request: ChatCompletionRequest,
  options: EncodeAnthropicRequestOptions,
): AnthropicRequest {
  if (request.n !== undefined && request.n > 1 && !options.dropParams) {
    throw GatewayError.invalidArgument("Anthropic models return one choice; 'n' must be 1", "n");
  }
  const systemBlocks: AnthropicTextBlock[] = [];
  const messages = encodeMessages(request.messages, systemBlocks);
  const body: AnthropicRequest = {
    model: options.model,
    max_tokens: request.maxTokens ?? defaultMaxTokens(options.model),
    messages,
  };
  if (systemBlocks.length === 1) body.system = systemBlocks[0]!.text;
  else if (systemBlocks.length > 1) body.system = systemBlocks;
  if (request.tools.length > 0) {
    body.tools = request.tools.map(encodeTool);
    const toolChoice = encodeToolChoice(request.toolChoice, request.parallelToolCalls);
    if (toolChoice !== undefined) body.tool_choice = toolChoice;
  }
  if (request.stop.length > 0) body.stop_sequences = request.stop;
  if (options.samplingParameters) {
    if (request.temperature !== undefined) body.temperature = request.temperature;
    if (request.topP !== undefined) body.top_p = request.topP;
  }
  if (request.user !== "") body.metadata = { user_id: request.user };
  const format = request.responseFormat?.format;
  if (format?.case === "jsonSchema" && format.value.schema !== undefined) {
    body.output_config = { format: { type: "json_schema", schema: format.value.schema } };
  }
  if (options.stream) body.stream = true;
  const extraBody = request.extraBody;
  if (extraBody !== undefined) {
    for (const key of Object.keys(extraBody)) {
      if (reservedKeys.has(key) || LITELLM_ONLY_FIELDS.has(key)) continue;
      if (options.dropParams && !anthropicExtraKeys.has(key)) continue;
      body[key] = extraBody[key];
    }
  }
  return body;
}

function encodeMessages(
  messages: readonly ChatMessage[],
  systemBlocks: AnthropicTextBlock[],
): AnthropicMessageParam[] {
  const turns = encodeTurns<AnthropicRole, AnthropicContentBlock>(
    messages,
    { user: "user", assistant: "assistant" },
    {
      system: (text) => systemBlocks.push({ type: "text", text }),
      user: (message, index) => encodeContentParts(message.content, index, anthropicBlocks),
      assistant: encodeAssistant,
      tool: (message, index) => [encodeToolResult(message, index)],
    },
  );
  return turns.map(({ role, items: blocks }) => {
    const only = blocks.length === 1 ? blocks[0]! : undefined;
    return { role, content: only?.type === "text" ? only.text : blocks };
  });
}

const anthropicBlocks: ContentPartEncoder<AnthropicContentBlock> = {
  text: (text) => ({ type: "text", text }),
  imageUrl: (url, path) => ({ type: "image", source: encodeSource(url, `${path}.image_url.url`) }),
  file: (file, path) => {
    const source: AnthropicImageSource =
      file.fileId !== ""
        ? { type: "file", file_id: file.fileId }
        : encodeSource(file.fileData, `${path}.file`);
    return file.filename !== ""
      ? { type: "document", source, title: file.filename }
      : { type: "document", source };
  },
  inputAudio: (_audio, path) => {
    throw GatewayError.invalidArgument(`'${path}': Anthropic models do not accept audio input`, path);
  },
};

/**
 * `data:<media type>;base64,<data>` becomes a base64 source, anything else
 * (http and https URLs) a url source, which the API fetches itself.
 */
function encodeSource(url: string, path: string): AnthropicImageSource {
  if (!url.startsWith("data:")) return { type: "url", url };
  const comma = url.indexOf(",");
  const marker = url.lastIndexOf(";base64", comma);
  if (comma === -1 || marker === -1) {
    throw GatewayError.invalidArgument(`'${path}': a data URL must be base64 encoded`, path);
  }
  return { type: "base64", media_type: url.slice(5, marker), data: url.slice(comma + 1) };
}

function encodeAssistant(message: ChatMessage, index: number): AnthropicContentBlock[] {
  // Exposed reasoning is not sent back: Anthropic accepts thinking blocks only with their signature.
  const blocks = encodeContentParts(message.content, index, anthropicBlocks);
  for (let position = 0; position < message.toolCalls.length; position++) {
    const call = message.toolCalls[position]!;
    blocks.push({
      type: "tool_use",
      id: call.id,
      name: call.name,
      input: parseArguments(call.arguments, `messages[${index}].tool_calls[${position}].function.arguments`),
    });
  }
  return blocks;
}

function encodeToolResult(message: ChatMessage, index: number): AnthropicToolResultBlock {
  const block: AnthropicToolResultBlock = { type: "tool_result", tool_use_id: message.toolCallId };
  const blocks = encodeContentParts(message.content, index, anthropicBlocks);
  if (blocks.length === 1 && blocks[0]!.type === "text") block.content = blocks[0]!.text;
  else if (blocks.length > 0) {
    block.content = blocks.filter(
      (inner): inner is Extract<AnthropicContentBlock, { type: "text" | "image" }> =>
        inner.type === "text" || inner.type === "image",
    );
  }
  return block;
}

function encodeTool(tool: Tool): AnthropicTool {
  const encoded: AnthropicTool = { name: tool.name, input_schema: tool.parameters ?? emptyInputSchema };
  if (tool.description !== "") encoded.description = tool.description;
  if (tool.strict !== undefined) encoded.strict = tool.strict;
  return encoded;
}

/**
 * auto → auto, required → any, a named function → tool, none → none.
 * `parallel_tool_calls: false` is Anthropic's `disable_parallel_tool_use`.
 */
function encodeToolChoice(
  toolChoice: ToolChoice | undefined,
  parallelToolCalls: boolean | undefined,
): AnthropicToolChoice | undefined {
  const disable = parallelToolCalls === false ? { disable_parallel_tool_use: true } : undefined;
  const choice = toolChoice?.choice;
  switch (choice?.case) {
    case "functionName":
      return { type: "tool", name: choice.value, ...disable };
    case "mode":
      switch (choice.value) {
        case ToolChoiceMode.NONE:
          return { type: "none" };
        case ToolChoiceMode.REQUIRED:
          return { type: "any", ...disable };
        case ToolChoiceMode.AUTO:
          return { type: "auto", ...disable };
      }
      break;
  }
  return disable === undefined ? undefined : { type: "auto", ...disable };
}
