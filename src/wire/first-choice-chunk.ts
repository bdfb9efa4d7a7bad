import { create } from "@bufbuild/protobuf";
import {
  type ChatCompletionChunk,
  ChatCompletionChunkSchema,
  ChoiceDeltaSchema,
} from "../../gen/switchyard/v1/completion_pb.js";

/** A delta's fields but its index: Anthropic, Bedrock Converse and Cohere stream one choice, always choice 0. */
export type FirstChoiceDelta = Omit<Parameters<typeof create<typeof ChoiceDeltaSchema>>[1], "index">;

/** One chunk of a single-choice stream: `delta` as choice 0. */
export function firstChoiceChunk(
  stream: { readonly id: string; readonly created: bigint; readonly model: string },
  delta: FirstChoiceDelta,
): ChatCompletionChunk {
  return create(ChatCompletionChunkSchema, {
    id: stream.id,
    created: stream.created,
    model: stream.model,
    choices: [create(ChoiceDeltaSchema, { index: 0, ...delta })],
  });
}
