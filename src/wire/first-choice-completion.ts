import { create } from "@bufbuild/protobuf";
import {
  type ContentPart,
  type FinishReason,
  Role,
  type ToolCall,
  type Usage,
} from "../../gen/switchyard/v1/chat_pb.js";
import { type ChatCompletion, ChatCompletionSchema } from "../../gen/switchyard/v1/completion_pb.js";

/** The assistant message of a single-choice answer, as its decoder collects it block by block. */
export interface FirstChoiceMessage {
  content: ContentPart[];
  toolCalls: ToolCall[];
  /** What the model thought before answering: kept apart from the answer. */
  reasoningContent: string;
}

/**
 * A whole answer with one choice (Anthropic, Bedrock Converse and Cohere
 * upstreams, the mock provider): the message as choice 0. None of them
 * carries a creation time, so `created` is now.
 */
export function firstChoiceCompletion(answer: {
  id: string;
  model: string;
  message: FirstChoiceMessage;
  finishReason: FinishReason;
  usage: Usage | undefined;
}): ChatCompletion {
  return create(ChatCompletionSchema, {
    id: answer.id,
    created: BigInt(Math.floor(Date.now() / 1000)),
    model: answer.model,
    choices: [
      {
        index: 0,
        message: { role: Role.ASSISTANT, ...answer.message },
        finishReason: answer.finishReason,
      },
    ],
    usage: answer.usage,
  });
}
