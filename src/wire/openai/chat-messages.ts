import { create, type JsonValue } from "@bufbuild/protobuf";
import {
  type ChatMessage,
  ChatMessageSchema,
  type ContentPart,
  ContentPartSchema,
  ImageDetail,
  Role,
  type ToolCall,
  ToolCallSchema,
} from "../../../gen/switchyard/v1/chat_pb.js";
import { GatewayError } from "../../errors/gateway-error.js";
import { textPart } from "../text-part.js";
import type { OpenAIContentPart, OpenAIImageDetail, OpenAIMessage, OpenAIRole } from "./openai-types.js";
import {
  decodeObjectArray,
  fieldPath,
  invalidField,
  objectAt,
  optionalString,
  requiredNonEmptyString,
  requiredObject,
  requiredString,
} from "./request-fields.js";

/**
 * Chat messages between OpenAI JSON and switchyard.v1.ChatMessage.
 *
 * Decoding is strict (it reads client requests). Message keys the proto has
 * no field for (assistant `audio`, legacy `function_call`, `annotations`) are
 * dropped: they describe earlier turns and no provider needs them to answer.
 */

/** Role names as OpenAI writes them. */
export const roleByName: ReadonlyMap<string, Role> = new Map([
  ["system", Role.SYSTEM],
  ["developer", Role.DEVELOPER],
  ["user", Role.USER],
  ["assistant", Role.ASSISTANT],
  ["tool", Role.TOOL],
]);

/** Indexed by Role; ROLE_UNSPECIFIED has no name. */
export const roleNames: readonly (OpenAIRole | undefined)[] = [
  undefined,
  "system",
  "developer",
  "user",
  "assistant",
  "tool",
];

const imageDetailByName: ReadonlyMap<string, ImageDetail> = new Map([
  ["auto", ImageDetail.AUTO],
  ["low", ImageDetail.LOW],
  ["high", ImageDetail.HIGH],
]);

/** Indexed by ImageDetail; unspecified is omitted on the wire. */
const imageDetailNames: readonly (OpenAIImageDetail | undefined)[] = [undefined, "auto", "low", "high"];

export function decodeChatMessages(value: JsonValue | undefined): ChatMessage[] {
  if (value === undefined || value === null) {
    throw GatewayError.invalidArgument("'messages' is required", "messages");
  }
  if (!Array.isArray(value)) throw invalidField("", "messages", "an array of messages");
  if (value.length === 0) {
    throw GatewayError.invalidArgument("'messages' must contain at least one message", "messages");
  }
  const messages: ChatMessage[] = new Array(value.length);
  for (let index = 0; index < value.length; index++) {
    messages[index] = decodeMessage(value[index], `messages[${index}]`);
  }
  return messages;
}

function decodeMessage(element: JsonValue | undefined, prefix: string): ChatMessage {
  const value = objectAt(element, prefix);
  const roleName = requiredString(value, "role", prefix);
  const role = roleByName.get(roleName);
  if (role === undefined) {
    const path = `${prefix}.role`;
    if (roleName === "function") {
      throw GatewayError.invalidArgument(
        `'${path}': the legacy 'function' role is not supported; send tool results as 'tool' messages`,
        path,
      );
    }
    throw GatewayError.invalidArgument(
      `'${path}' must be one of 'system', 'developer', 'user', 'assistant', 'tool'; got '${roleName}'`,
      path,
    );
  }

  const content = decodeContent(value.content, role, prefix);
  let toolCalls: ToolCall[] = [];
  let toolCallId = "";
  let reasoningContent = "";
  if (role === Role.ASSISTANT) {
    const refusal = optionalString(value, "refusal", prefix);
    if (refusal !== undefined) {
      content.push(create(ContentPartSchema, { part: { case: "refusal", value: refusal } }));
    }
    toolCalls = decodeToolCalls(value.tool_calls, prefix);
    reasoningContent = optionalString(value, "reasoning_content", prefix) ?? "";
  } else if (role === Role.TOOL) {
    toolCallId = requiredNonEmptyString(value, "tool_call_id", prefix);
  }

  return create(ChatMessageSchema, {
    role,
    content,
    name: optionalString(value, "name", prefix) ?? "",
    toolCalls,
    toolCallId,
    reasoningContent,
  });
}

function decodeContent(value: JsonValue | undefined, role: Role, prefix: string): ContentPart[] {
  if (typeof value === "string") {
    return [textPart(value)];
  }
  if (value === undefined || value === null) {
    // Only the assistant may omit content: a turn that only calls tools.
    if (role === Role.ASSISTANT) return [];
    const path = `${prefix}.content`;
    throw GatewayError.invalidArgument(`'${path}' is required`, path);
  }
  if (!Array.isArray(value)) {
    throw invalidField(prefix, "content", "a string or an array of content parts");
  }
  const parts: ContentPart[] = new Array(value.length);
  for (let index = 0; index < value.length; index++) {
    parts[index] = decodeContentPart(value[index], `${prefix}.content[${index}]`);
  }
  return parts;
}

function decodeContentPart(element: JsonValue | undefined, prefix: string): ContentPart {
  const value = objectAt(element, prefix);
  const type = requiredString(value, "type", prefix);
  switch (type) {
    case "text":
      return textPart(requiredString(value, "text", prefix));
    case "image_url": {
      const image = value.image_url;
      // Some clients send the URL as a bare string; accept it.
      if (typeof image === "string") {
        return create(ContentPartSchema, { part: { case: "imageUrl", value: { url: image } } });
      }
      const imagePrefix = `${prefix}.image_url`;
      const imageObject = requiredObject(value, "image_url", prefix);
      const detailName = optionalString(imageObject, "detail", imagePrefix);
      let detail = ImageDetail.UNSPECIFIED;
      if (detailName !== undefined) {
        const known = imageDetailByName.get(detailName);
        if (known === undefined) throw invalidField(imagePrefix, "detail", "one of 'auto', 'low', 'high'");
        detail = known;
      }
      return create(ContentPartSchema, {
        part: { case: "imageUrl", value: { url: requiredString(imageObject, "url", imagePrefix), detail } },
      });
    }
    case "input_audio": {
      const audioPrefix = `${prefix}.input_audio`;
      const audio = requiredObject(value, "input_audio", prefix);
      return create(ContentPartSchema, {
        part: {
          case: "inputAudio",
          value: {
            data: requiredString(audio, "data", audioPrefix),
            format: requiredString(audio, "format", audioPrefix),
          },
        },
      });
    }
    case "file": {
      const filePrefix = `${prefix}.file`;
      const file = requiredObject(value, "file", prefix);
      return create(ContentPartSchema, {
        part: {
          case: "file",
          value: {
            fileData: optionalString(file, "file_data", filePrefix) ?? "",
            fileId: optionalString(file, "file_id", filePrefix) ?? "",
            filename: optionalString(file, "filename", filePrefix) ?? "",
          },
        },
      });
    }
    case "refusal":
      return create(ContentPartSchema, {
        part: { case: "refusal", value: requiredString(value, "refusal", prefix) },
      });
    default: {
      const path = `${prefix}.type`;
      throw GatewayError.invalidArgument(`'${path}': unsupported content part type '${type}'`, path);
    }
  }
}

function decodeToolCalls(value: JsonValue | undefined, prefix: string): ToolCall[] {
  return decodeObjectArray(value, fieldPath(prefix, "tool_calls"), (call, callPrefix) => {
    const type = optionalString(call, "type", callPrefix);
    if (type !== undefined && type !== "function") {
      throw invalidField(callPrefix, "type", "'function'");
    }
    const functionPrefix = `${callPrefix}.function`;
    const fn = requiredObject(call, "function", callPrefix);
    return create(ToolCallSchema, {
      id: requiredString(call, "id", callPrefix),
      name: requiredNonEmptyString(fn, "name", functionPrefix),
      arguments: optionalString(fn, "arguments", functionPrefix) ?? "",
    });
  });
}

/**
 * Encodes messages for an OpenAI-compatible upstream. A lone text part is
 * sent as a plain string (what every compatible server accepts); an
 * assistant turn with no text is sent with `content: null`.
 */
export function encodeChatMessages(messages: readonly ChatMessage[]): OpenAIMessage[] {
  const encoded: OpenAIMessage[] = new Array(messages.length);
  for (let index = 0; index < messages.length; index++) {
    encoded[index] = encodeMessage(messages[index]!, index);
  }
  return encoded;
}

function encodeMessage(message: ChatMessage, index: number): OpenAIMessage {
  const role = roleNames[message.role];
  if (role === undefined) {
    const path = `messages[${index}].role`;
    throw GatewayError.invalidArgument(`'${path}' is required`, path);
  }
  const encoded: OpenAIMessage =
    role === "assistant"
      ? encodeAssistantContent(message.content)
      : { role, content: encodeUserContent(message.content) };
  if (message.name !== "") encoded.name = message.name;
  if (message.toolCalls.length > 0) {
    encoded.tool_calls = message.toolCalls.map((call) => ({
      id: call.id,
      type: "function",
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  if (role === "tool") encoded.tool_call_id = message.toolCallId;
  if (message.reasoningContent !== "") encoded.reasoning_content = message.reasoningContent;
  return encoded;
}

function encodeUserContent(parts: readonly ContentPart[]): string | OpenAIContentPart[] {
  if (parts.length === 0) return "";
  const first = parts[0]!;
  if (parts.length === 1 && first.part.case === "text") return first.part.value;
  return encodeParts(parts);
}

/**
 * Up to one text and one refusal part become OpenAI's `content` string and
 * `refusal` field, the shape assistant messages usually have; anything else
 * is sent as an array of parts.
 */
function encodeAssistantContent(parts: readonly ContentPart[]): OpenAIMessage {
  let text: string | undefined;
  let refusal: string | undefined;
  for (const { part } of parts) {
    if (part.case === "text" && text === undefined) text = part.value;
    else if (part.case === "refusal" && refusal === undefined) refusal = part.value;
    else return { role: "assistant", content: encodeParts(parts) };
  }
  const encoded: OpenAIMessage = { role: "assistant", content: text ?? null };
  if (refusal !== undefined) encoded.refusal = refusal;
  return encoded;
}

function encodeParts(parts: readonly ContentPart[]): OpenAIContentPart[] {
  const encoded: OpenAIContentPart[] = [];
  for (const { part } of parts) {
    switch (part.case) {
      case "text":
        encoded.push({ type: "text", text: part.value });
        break;
      case "imageUrl": {
        const detail = imageDetailNames[part.value.detail];
        encoded.push({
          type: "image_url",
          image_url: detail === undefined ? { url: part.value.url } : { url: part.value.url, detail },
        });
        break;
      }
      case "inputAudio":
        encoded.push({
          type: "input_audio",
          input_audio: { data: part.value.data, format: part.value.format },
        });
        break;
      case "file": {
        const file: { file_data?: string; file_id?: string; filename?: string } = {};
        if (part.value.fileData !== "") file.file_data = part.value.fileData;
        if (part.value.fileId !== "") file.file_id = part.value.fileId;
        if (part.value.filename !== "") file.filename = part.value.filename;
        encoded.push({ type: "file", file });
        break;
      }
      case "refusal":
        encoded.push({ type: "refusal", refusal: part.value });
        break;
      default:
        // An empty oneof carries nothing to send.
        break;
    }
  }
  return encoded;
}
