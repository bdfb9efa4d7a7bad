import { create } from "@bufbuild/protobuf";
import type { Message, Part } from "dotprompt";
import {
  type ChatMessage,
  ChatMessageSchema,
  type ContentPart,
  ContentPartSchema,
  Role,
} from "../../../gen/switchyard/v1/chat_pb.js";
import { roleByName } from "../../wire/openai/chat-messages.js";
import { textPart } from "../../wire/text-part.js";

/**
 * dotprompt's roles as chat roles: `model` is the assistant. dotprompt's
 * role markers take any lowercase word, so OpenAI's names are accepted too,
 * but `tool`: a tool message needs the id of a call the prompt cannot know.
 */
function roleOf(name: string): Role | undefined {
  if (name === "model") return Role.ASSISTANT;
  const role = roleByName.get(name);
  return role === Role.TOOL ? undefined : role;
}

/**
 * A rendered prompt's messages as chat messages. Text parts are trimmed
 * (`{{role}}` leaves the template's line breaks around them) and dropped when
 * empty, as are messages left without parts; `{{media}}` parts become image
 * parts, or input audio / file parts for audio and other data: URLs with a
 * content type. Section markers carry no content and are dropped. Throws an
 * Error saying what the prompt cannot express.
 */
export function toChatMessages(messages: readonly Message[]): ChatMessage[] {
  const chat: ChatMessage[] = [];
  for (const message of messages) {
    const role = roleOf(message.role);
    if (role === undefined) {
      throw new Error(`role "${message.role}" is not supported (use system, user or model)`);
    }
    const content: ContentPart[] = [];
    for (const part of message.content) {
      const converted = toContentPart(part);
      if (converted) content.push(converted);
    }
    if (content.length > 0) chat.push(create(ChatMessageSchema, { role, content }));
  }
  return chat;
}

function toContentPart(part: Part): ContentPart | undefined {
  if (typeof part.text === "string") {
    const text = part.text.trim();
    return text === "" ? undefined : textPart(text);
  }
  if (part.media) return mediaPart(part.media.url, part.media.contentType);
  return undefined;
}

const dataUrl = /^data:([^;,]+)?(?:;[^,]*)?,(.*)$/s;

function mediaPart(url: string, contentType: string | undefined): ContentPart {
  const data = dataUrl.exec(url);
  const type = contentType ?? data?.[1] ?? "";
  if (data && type.startsWith("audio/")) {
    // OpenAI's input_audio takes the bare base64 and a format name: audio/wav → wav, audio/mpeg → mp3.
    const format = type === "audio/mpeg" ? "mp3" : type.slice("audio/".length);
    return create(ContentPartSchema, { part: { case: "inputAudio", value: { data: data[2]!, format } } });
  }
  if (data && type !== "" && !type.startsWith("image/")) {
    return create(ContentPartSchema, { part: { case: "file", value: { fileData: url } } });
  }
  return create(ContentPartSchema, { part: { case: "imageUrl", value: { url } } });
}
