import type { ContentPart, FileInput, InputAudio } from "../../gen/switchyard/v1/chat_pb.js";

/**
 * How one upstream writes each kind of content part. `path` names the part
 * in the request (`messages[1].content[0]`) for the 400 of a part the
 * upstream cannot take.
 */
export interface ContentPartEncoder<Block> {
  text(text: string): Block;
  imageUrl(url: string, path: string): Block;
  file(file: FileInput, path: string): Block;
  inputAudio(audio: InputAudio, path: string): Block;
}

/**
 * A message's content parts as an upstream's blocks. A refusal is written
 * as text, and blank text is left out: Anthropic, Converse and Gemini all
 * reject empty text blocks.
 */
export function encodeContentParts<Block>(
  parts: readonly ContentPart[],
  index: number,
  encoder: ContentPartEncoder<Block>,
): Block[] {
  const blocks: Block[] = [];
  for (let position = 0; position < parts.length; position++) {
    const { part } = parts[position]!;
    const path = `messages[${index}].content[${position}]`;
    switch (part.case) {
      case "text":
      case "refusal":
        if (part.value !== "") blocks.push(encoder.text(part.value));
        break;
      case "imageUrl":
        blocks.push(encoder.imageUrl(part.value.url, path));
        break;
      case "file":
        blocks.push(encoder.file(part.value, path));
        break;
      case "inputAudio":
        blocks.push(encoder.inputAudio(part.value, path));
        break;
      default:
        break;
    }
  }
  return blocks;
}
