import type { ChatAnswer, ChatUsage } from "./openai-chat-answer.js";

/**
 * Renders fake answers in OpenAI's wire format (protocols.md §6.2): one
 * `chat.completion` object, or the `chat.completion.chunk` sequence a real
 * stream carries.
 */

/** Fields every completion and chunk of one response shares. */
export interface ResponseIdentity {
  readonly id: string;
  readonly created: number;
  readonly model: string;
}

export function toChatCompletion(
  identity: ResponseIdentity,
  answers: readonly ChatAnswer[],
  usage: ChatUsage,
): Record<string, unknown> {
  return {
    id: identity.id,
    object: "chat.completion",
    created: identity.created,
    model: identity.model,
    choices: answers.map((answer, index) => ({
      index,
      message: {
        role: "assistant",
        content: answer.text,
        refusal: null,
        annotations: [],
        ...(answer.toolCall && {
          tool_calls: [
            {
              id: answer.toolCall.id,
              type: "function",
              function: { name: answer.toolCall.name, arguments: answer.toolCall.arguments },
            },
          ],
        }),
      },
      logprobs: null,
      finish_reason: answer.finishReason,
    })),
    usage,
    service_tier: "default",
    system_fingerprint: "fp_fake",
  };
}

/** Word-sized pieces that keep their leading space, as OpenAI's tokens do: "echo:", " hello". */
const contentPiecePattern = /\s*\S+/g;
/** Tool-call arguments arrive in fragments of this many characters. */
const argumentFragmentLength = 8;

function deltasOf(answer: ChatAnswer): Record<string, unknown>[] {
  const deltas: Record<string, unknown>[] = [{ role: "assistant", content: "", refusal: null }];
  if (answer.toolCall) {
    const call = answer.toolCall;
    deltas.push({
      tool_calls: [{ index: 0, id: call.id, type: "function", function: { name: call.name, arguments: "" } }],
    });
    for (let start = 0; start < call.arguments.length; start += argumentFragmentLength) {
      const fragment = call.arguments.slice(start, start + argumentFragmentLength);
      deltas.push({ tool_calls: [{ index: 0, function: { arguments: fragment } }] });
    }
  } else {
    for (const piece of answer.text?.match(contentPiecePattern) ?? []) deltas.push({ content: piece });
  }
  return deltas;
}

/**
 * The chunk objects of a streamed answer, in sending order: per choice the
 * role delta, content (or tool-call) deltas, and a final `delta: {}` with
 * finish_reason; choices interleaved by index when `n > 1`. With
 * `includeUsage`, every chunk carries `usage: null` and one last chunk has
 * `choices: []` and the usage. The `[DONE]` terminator is the writer's job.
 */
export function toChatChunks(
  identity: ResponseIdentity,
  answers: readonly ChatAnswer[],
  usage: ChatUsage,
  includeUsage: boolean,
): Record<string, unknown>[] {
  const chunk = (choices: unknown[], chunkUsage: ChatUsage | null): Record<string, unknown> => ({
    id: identity.id,
    object: "chat.completion.chunk",
    created: identity.created,
    model: identity.model,
    service_tier: "default",
    system_fingerprint: "fp_fake",
    choices,
    ...(includeUsage && { usage: chunkUsage }),
  });

  const perChoice = answers.map(deltasOf);
  const longest = Math.max(...perChoice.map((deltas) => deltas.length));
  const chunks: Record<string, unknown>[] = [];
  for (let step = 0; step < longest; step++) {
    perChoice.forEach((deltas, index) => {
      const delta = deltas[step];
      if (delta) chunks.push(chunk([{ index, delta, logprobs: null, finish_reason: null }], null));
    });
  }
  answers.forEach((answer, index) => {
    chunks.push(chunk([{ index, delta: {}, logprobs: null, finish_reason: answer.finishReason }], null));
  });
  if (includeUsage) chunks.push(chunk([], usage));
  return chunks;
}
