import { clone, create } from "@bufbuild/protobuf";
import { type Usage, UsageSchema } from "../../../gen/switchyard/v1/chat_pb.js";
import {
  type TextChoice,
  TextChoiceSchema,
  type TextCompletion,
  TextCompletionSchema,
} from "../../../gen/switchyard/v1/completion_pb.js";
import type { GeneratedIdentity } from "./generated-identity.js";
import type { GeneratedText } from "./text-generation-response.js";
import type { StreamPiece } from "./text-generation-stream.js";

/**
 * Generated texts as a legacy text completion: one choice per prompt, in
 * prompt order; with `echo`, each text follows its prompt. Usage is the sum
 * over the prompts, when the upstream reported any.
 */
export function generatedToTextCompletion(
  results: readonly GeneratedText[],
  prompts: readonly string[],
  echo: boolean,
  identity: GeneratedIdentity,
): TextCompletion {
  const choices: TextChoice[] = new Array(results.length);
  let usage: Usage | undefined;
  for (let index = 0; index < results.length; index++) {
    const generated = results[index]!;
    choices[index] = create(TextChoiceSchema, {
      index,
      text: echo ? prompts[index] + generated.text : generated.text,
      finishReason: generated.finishReason,
    });
    if (generated.usage !== undefined) usage = addUsage(usage, generated.usage);
  }
  return create(TextCompletionSchema, {
    id: identity.id,
    created: identity.created,
    model: identity.model,
    choices,
    usage,
  });
}

/** One stream piece as a text fragment of choice `index`, after `prefix` (the prompt, for echo). */
export function pieceToTextCompletion(
  piece: StreamPiece,
  index: number,
  identity: GeneratedIdentity,
  prefix = "",
): TextCompletion {
  return create(TextCompletionSchema, {
    id: identity.id,
    created: identity.created,
    model: identity.model,
    choices: [{ index, text: prefix + piece.text, finishReason: piece.finishReason }],
  });
}

/** A stream's closing message: no choices, the usage of every prompt. */
export function usageTextCompletion(usage: Usage, identity: GeneratedIdentity): TextCompletion {
  return create(TextCompletionSchema, {
    id: identity.id,
    created: identity.created,
    model: identity.model,
    usage,
  });
}

/** Adds `usage` to `total` (a copy is made the first time, so no upstream's counts are changed). */
export function addUsage(total: Usage | undefined, usage: Usage): Usage {
  if (total === undefined) return clone(UsageSchema, usage);
  total.promptTokens += usage.promptTokens;
  total.completionTokens += usage.completionTokens;
  total.totalTokens += usage.totalTokens;
  return total;
}
