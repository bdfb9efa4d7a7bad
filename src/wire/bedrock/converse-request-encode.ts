import type { JsonObject } from "@bufbuild/protobuf";
import { type ChatMessage, type ToolChoice, ToolChoiceMode } from "../../../gen/switchyard/v1/chat_pb.js";
import type { ChatCompletionRequest } from "../../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../../errors/gateway-error.js";
import { encodeTurns, parseArguments } from "../alternating-turns.js";
import { type ContentPartEncoder, encodeContentParts } from "../content-part-encoder.js";
import type {
  ConverseContentBlock,
  ConverseImageBlock,
  ConverseImageFormat,
  ConverseMessage,
  ConverseRequest,
  ConverseRole,
  ConverseToolChoice,
} from "./converse-types.js";

/**
 * A switchyard.v1 chat request as a Bedrock Converse body (the model id
 * travels in the URL). As LiteLLM's converse transformation does:
 *
 * - system and developer messages become the top-level `system` text blocks;
 * - tool messages become `toolResult` blocks in a user turn, assistant tool
 *   calls `toolUse` blocks with their arguments parsed to an object;
 * - consecutive turns of one role are merged: Converse requires alternation;
 * - images must be base64 data URLs (Converse takes bytes or S3, not URLs);
 * - max_tokens, temperature, top_p, stop go into `inferenceConfig`;
 * - extra_body keys that are Converse fields (guardrailConfig,
 *   performanceConfig, …) are sent as they are, any other key goes into
 *   `additionalModelRequestFields` (top_k, thinking, …) for the model.
 *
 * Parameters Converse has no place for (seed, penalties, logprobs) are
 * dropped; n > 1 and JSON response formats are rejected, since they cannot
 * be honoured.
 */
export function encodeConverseRequest(request: ChatCompletionRequest): ConverseRequest {
  if (request.n !== undefined && request.n > 1) {
    throw GatewayError.invalidArgument("Bedrock models return one choice; 'n' must be 1", "n");
  }
  const format = request.responseFormat?.format.case;
  if (format === "jsonObject" || format === "jsonSchema") {
    // LiteLLM emulates JSON mode with a forced tool; Switchyard does not, rather than answer with prose.
    throw GatewayError.invalidArgument(
      "Bedrock Converse has no JSON mode; describe the JSON you want in a tool and set tool_choice to it",
      "response_format",
    );
  }
  const system: { text: string }[] = [];
  const body: ConverseRequest = { messages: encodeMessages(request.messages, system) };
  if (system.length > 0) body.system = system;
  const inferenceConfig: ConverseRequest["inferenceConfig"] = {};
  if (request.maxTokens !== undefined) inferenceConfig.maxTokens = request.maxTokens;
  if (request.temperature !== undefined) inferenceConfig.temperature = request.temperature;
  if (request.topP !== undefined) inferenceConfig.topP = request.topP;
  if (request.stop.length > 0) inferenceConfig.stopSequences = request.stop;
  if (Object.keys(inferenceConfig).length > 0) body.inferenceConfig = inferenceConfig;
  if (request.tools.length > 0) {
    body.toolConfig = {
      tools: request.tools.map((tool) => ({
        toolSpec: {
          name: tool.name,
          ...(tool.description !== "" && { description: tool.description }),
          inputSchema: { json: tool.parameters ?? { type: "object", properties: {} } },
        },
      })),
    };
    const toolChoice = encodeToolChoice(request.toolChoice);
    if (toolChoice !== undefined) body.toolConfig.toolChoice = toolChoice;
  }
  const extraBody = request.extraBody;
  if (extraBody !== undefined) {
    const additional: JsonObject = {};
    for (const [key, value] of Object.entries(extraBody)) {
      if (key === "messages" || key === "modelId") continue;
      if (converseFields.has(key)) body[key] = value;
      else additional[key] = value;
    }
    if (Object.keys(additional).length > 0) {
      body.additionalModelRequestFields = { ...additional, ...body.additionalModelRequestFields };
    }
  }
  return body;
}

/** Top-level Converse request members a caller may set through extra_body. */
const converseFields: ReadonlySet<string> = new Set([
  "additionalModelRequestFields",
  "additionalModelResponseFieldPaths",
  "guardrailConfig",
  "performanceConfig",
  "promptVariables",
  "requestMetadata",
  "system",
  "inferenceConfig",
  "toolConfig",
]);

function encodeMessages(messages: readonly ChatMessage[], system: { text: string }[]): ConverseMessage[] {
  const turns = encodeTurns<ConverseRole, ConverseContentBlock>(
    messages,
    { user: "user", assistant: "assistant" },
    {
      system: (text) => system.push({ text }),
      user: (message, index) => encodeContentParts(message.content, index, converseBlocks),
      assistant: (message, index) => {
        const content = encodeContentParts(message.content, index, converseBlocks);
        message.toolCalls.forEach((call, position) => {
          const path = `messages[${index}].tool_calls[${position}].function.arguments`;
          content.push({
            toolUse: { toolUseId: call.id, name: call.name, input: parseArguments(call.arguments, path) },
          });
        });
        return content;
      },
      tool: (message, index) => {
        const content = encodeContentParts(message.content, index, converseBlocks).filter(
          (block): block is { text: string } | ConverseImageBlock => "text" in block || "image" in block,
        );
        // Converse rejects a toolResult without content.
        if (content.length === 0) content.push({ text: "" });
        return [{ toolResult: { toolUseId: message.toolCallId, content } }];
      },
    },
  );
  return turns.map(({ role, items }) => ({ role, content: items }));
}

const converseBlocks: ContentPartEncoder<ConverseContentBlock> = {
  text: (text) => ({ text }),
  imageUrl: (url, path) => encodeImage(url, `${path}.image_url.url`),
  file: (_file, path) => {
    throw textAndImagesOnly(path);
  },
  inputAudio: (_audio, path) => {
    throw textAndImagesOnly(path);
  },
};

function textAndImagesOnly(path: string): GatewayError {
  return GatewayError.invalidArgument(`'${path}': Bedrock Converse takes text and images only`, path);
}

const imageFormats: ReadonlyMap<string, ConverseImageFormat> = new Map([
  ["image/png", "png"],
  ["image/jpeg", "jpeg"],
  ["image/jpg", "jpeg"],
  ["image/gif", "gif"],
  ["image/webp", "webp"],
]);

/** `data:image/<format>;base64,<data>` as an image block with its bytes. */
function encodeImage(url: string, path: string): ConverseImageBlock {
  const comma = url.indexOf(",");
  const marker = url.lastIndexOf(";base64", comma);
  if (!url.startsWith("data:") || comma === -1 || marker === -1) {
    throw GatewayError.invalidArgument(
      `'${path}': Bedrock takes images as base64 data URLs (data:image/png;base64,…)`,
      path,
    );
  }
  const format = imageFormats.get(url.slice(5, marker).toLowerCase());
  if (format === undefined) {
    throw GatewayError.invalidArgument(`'${path}': Bedrock takes png, jpeg, gif or webp images`, path);
  }
  return { image: { format, source: { bytes: url.slice(comma + 1) } } };
}

/**
 * auto → auto, required → any, a named function → tool. Converse has no
 * "none": the tools stay offered with auto, as LiteLLM sends them.
 */
function encodeToolChoice(toolChoice: ToolChoice | undefined): ConverseToolChoice | undefined {
  const choice = toolChoice?.choice;
  if (choice?.case === "functionName") return { tool: { name: choice.value } };
  if (choice?.case === "mode") {
    if (choice.value === ToolChoiceMode.REQUIRED) return { any: {} };
    if (choice.value === ToolChoiceMode.AUTO) return { auto: {} };
  }
  return undefined;
}
