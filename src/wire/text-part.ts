import { create } from "@bufbuild/protobuf";
import { type ContentPart, ContentPartSchema } from "../../gen/switchyard/v1/chat_pb.js";

/** A text content part, the one most decoders build. */
export function textPart(text: string): ContentPart {
  return create(ContentPartSchema, { part: { case: "text", value: text } });
}
