import { countWords, isRecord } from "./openai-chat-answer.js";
import type { ResponseIdentity } from "./openai-chat-wire.js";

/**
 * What the fake OpenAI upstream answers to `POST /v1/completions`, derived
 * from the request so tests can predict every field:
 *
 * - each prompt gets `n` choices (index `prompt × n + i`) with text
 *   `" echo: " + <prompt>`, truncated to `max_tokens` words (finish_reason
 *   "length") — the leading space is how real base models continue a prompt;
 * - `echo: true` puts the prompt in front of the text;
 * - usage counts words: prompt = words in all prompts, completion = words
 *   in the generated texts.
 *
 * Rendered as OpenAI does: one `text_completion` object, or a stream of
 * `text_completion` chunks (word by word, then a per-choice chunk with the
 * finish reason, then with include_usage a `choices: []` chunk with usage).
 */

interface TextAnswer {
  readonly index: number;
  readonly text: string;
  readonly finishReason: "stop" | "length";
}

interface TextUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** Returns an error message when the body is not a completions request OpenAI would accept. */
export function validateTextCompletionRequest(body: unknown): { message: string; param: string } | undefined {
  if (!isRecord(body)) return { message: "The request body must be a JSON object.", param: "body" };
  if (typeof body.model !== "string" || body.model === "") {
    return { message: "you must provide a model parameter", param: "model" };
  }
  const prompt = body.prompt;
  if (typeof prompt !== "string" && !(Array.isArray(prompt) && prompt.every((p) => typeof p === "string"))) {
    return { message: "'prompt' must be a string or an array of strings.", param: "prompt" };
  }
  return undefined;
}

function answerText(body: Record<string, unknown>): { answers: TextAnswer[]; usage: TextUsage } {
  const prompts = typeof body.prompt === "string" ? [body.prompt] : (body.prompt as string[]);
  const n = typeof body.n === "number" && body.n >= 1 ? Math.floor(body.n) : 1;
  const maxWords = typeof body.max_tokens === "number" && body.max_tokens > 0 ? body.max_tokens : undefined;
  const answers: TextAnswer[] = [];
  let promptTokens = 0;
  let completionTokens = 0;
  prompts.forEach((prompt, promptIndex) => {
    promptTokens += countWords(prompt);
    let generated = ` echo: ${prompt}`;
    let finishReason: TextAnswer["finishReason"] = "stop";
    const words = generated.match(/\s*\S+/g) ?? [];
    if (maxWords !== undefined && words.length > maxWords) {
      generated = words.slice(0, maxWords).join("");
      finishReason = "length";
    }
    for (let choice = 0; choice < n; choice++) {
      completionTokens += countWords(generated);
      answers.push({
        index: promptIndex * n + choice,
        text: body.echo === true ? prompt + generated : generated,
        finishReason,
      });
    }
  });
  return {
    answers,
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  };
}

export function toTextCompletion(
  identity: ResponseIdentity,
  body: Record<string, unknown>,
): Record<string, unknown> {
  const { answers, usage } = answerText(body);
  return {
    id: identity.id,
    object: "text_completion",
    created: identity.created,
    model: identity.model,
    choices: answers.map((answer) => ({
      text: answer.text,
      index: answer.index,
      logprobs: null,
      finish_reason: answer.finishReason,
    })),
    usage,
    system_fingerprint: "fp_fake",
  };
}

/** The chunk objects of a streamed answer, in sending order; `[DONE]` is the writer's job. */
export function toTextChunks(
  identity: ResponseIdentity,
  body: Record<string, unknown>,
): Record<string, unknown>[] {
  const { answers, usage } = answerText(body);
  const streamOptions = isRecord(body.stream_options) ? body.stream_options : {};
  const includeUsage = streamOptions.include_usage === true;
  const chunk = (choices: unknown[], chunkUsage: TextUsage | null): Record<string, unknown> => ({
    id: identity.id,
    object: "text_completion",
    created: identity.created,
    model: identity.model,
    system_fingerprint: "fp_fake",
    choices,
    ...(includeUsage && { usage: chunkUsage }),
  });
  const chunks: Record<string, unknown>[] = [];
  for (const answer of answers) {
    for (const piece of answer.text.match(/\s*\S+|\s+$/g) ?? []) {
      chunks.push(chunk([{ text: piece, index: answer.index, logprobs: null, finish_reason: null }], null));
    }
  }
  for (const answer of answers) {
    chunks.push(
      chunk([{ text: "", index: answer.index, logprobs: null, finish_reason: answer.finishReason }], null),
    );
  }
  if (includeUsage) chunks.push(chunk([], usage));
  return chunks;
}
