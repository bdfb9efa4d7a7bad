import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import {
  type ChatMessage,
  type ContentPart,
  Role,
  ToolChoiceMode,
} from "../../../gen/switchyard/v1/chat_pb.js";
import type { ChatCompletionRequest } from "../../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../../errors/gateway-error.js";

/**
 * A switchyard.v1 chat request as a Cohere v2 `/v2/chat` body
 * (docs.cohere.com/reference/chat), as LiteLLM's cohere/chat/v2 sends it:
 *
 * - messages keep OpenAI's roles (developer becomes system); a user turn is
 *   a string or text and image_url parts, an assistant turn its text and
 *   `tool_calls`, a tool turn its `tool_call_id` and text;
 * - top_p is `p`; stop is `stop_sequences`; max_tokens, temperature, seed
 *   and the penalties keep their names;
 * - tools keep OpenAI's shape; tool_choice required/none is "REQUIRED"/
 *   "NONE", a named function is "REQUIRED" with only that tool offered;
 * - response_format json_object/json_schema is `{"type":"json_object"}`
 *   with the schema as `json_schema`;
 * - extra_body (k, safety_mode, documents, …) is merged as it is.
 */
export function encodeCohereChatRequest(
  request: ChatCompletionRequest,
  model: string,
  stream: boolean,
): Record<string, JsonValue> {
  if (request.n !== undefined && request.n > 1) {
    throw GatewayError.invalidArgument("Cohere models return one choice; 'n' must be 1", "n");
  }
  const body: Record<string, JsonValue> = {
    model,
    messages: request.messages.map(encodeMessage),
    stream,
  };
  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.p = request.topP;
  if (request.seed !== undefined) body.seed = Number(request.seed);
  if (request.stop.length > 0) body.stop_sequences = request.stop;
  if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty;
  if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty;
  const choice = request.toolChoice?.choice;
  if (request.tools.length > 0) {
    const named = choice?.case === "functionName" ? choice.value : undefined;
    body.tools = request.tools
      .filter((tool) => named === undefined || tool.name === named)
      .map((tool) => ({
        type: "function",
        function: {
          name: tool.name,
          ...(tool.description !== "" && { description: tool.description }),
          parameters: tool.parameters ?? { type: "object", properties: {} },
        },
      }));
    if (named !== undefined || (choice?.case === "mode" && choice.value === ToolChoiceMode.REQUIRED)) {
      body.tool_choice = "REQUIRED";
    } else if (choice?.case === "mode" && choice.value === ToolChoiceMode.NONE) {
      body.tool_choice = "NONE";
    }
  }
  const format = request.responseFormat?.format;
  if (format?.case === "jsonObject") body.response_format = { type: "json_object" };
  else if (format?.case === "jsonSchema") {
    body.response_format = {
      type: "json_object",
      ...(format.value.schema && { json_schema: format.value.schema }),
    };
  }
  if (request.extraBody !== undefined) {
    for (const [key, value] of Object.entries(request.extraBody)) {
      if (key !== "model" && key !== "messages" && key !== "stream") body[key] = value;
    }
  }
  return body;
}

function encodeMessage(message: ChatMessage, index: number): JsonObject {
  switch (message.role) {
    case Role.SYSTEM:
    case Role.DEVELOPER:
      return { role: "system", content: textOf(message.content) };
    case Role.USER:
      return { role: "user", content: encodeUserContent(message.content, index) };
    case Role.ASSISTANT: {
      const encoded: JsonObject = { role: "assistant" };
      const text = textOf(message.content);
      if (text !== "") encoded.content = text;
      if (message.toolCalls.length > 0) {
        encoded.tool_calls = message.toolCalls.map((call) => ({
          id: call.id,
          type: "function",
          function: { name: call.name, arguments: call.arguments },
        }));
      }
      return encoded;
    }
    case Role.TOOL:
      return { role: "tool", tool_call_id: message.toolCallId, content: textOf(message.content) };
    default: {
      const path = `messages[${index}].role`;
      throw GatewayError.invalidArgument(`'${path}' is required`, path);
    }
  }
}

function textOf(parts: readonly ContentPart[]): string {
  let text = "";
  for (const { part } of parts) if (part.case === "text" || part.case === "refusal") text += part.value;
  return text;
}

function encodeUserContent(parts: readonly ContentPart[], index: number): JsonValue {
  if (parts.length === 1 && parts[0]!.part.case === "text") return parts[0]!.part.value;
  return parts.flatMap(({ part }, position): JsonObject[] => {
    switch (part.case) {
      case "text":
        return [{ type: "text", text: part.value }];
      case "imageUrl":
        return [{ type: "image_url", image_url: { url: part.value.url } }];
      case "inputAudio":
      case "file": {
        const path = `messages[${index}].content[${position}]`;
        throw GatewayError.invalidArgument(`'${path}': Cohere chat takes text and images only`, path);
      }
      default:
        return [];
    }
  });
}
