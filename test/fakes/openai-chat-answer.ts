/**
 * What the fake OpenAI upstream answers to a chat completion request, derived
 * deterministically from the request so tests can predict every field:
 *
 * - last message `role: "tool"` → text `"tool said: " + <its content>`;
 * - `tools` present (and `tool_choice` not "none") → one call to the first
 *   tool (or the one `tool_choice` names) with arguments `{"query": <last user text>}`;
 * - otherwise → text `"echo: " + <last user message text>`.
 *
 * Token counts are word counts: prompt = words in all messages, completion =
 * words in the answer text (or in the arguments JSON). `max_tokens` /
 * `max_completion_tokens` truncate the answer to that many words with
 * finish_reason "length".
 */

/** One choice's answer before it is rendered as a completion or as chunks. */
export interface ChatAnswer {
  /** Text reply; null when the answer is a tool call. */
  readonly text: string | null;
  readonly toolCall: { readonly id: string; readonly name: string; readonly arguments: string } | null;
  readonly finishReason: "stop" | "length" | "tool_calls";
}

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; audio_tokens: number };
  completion_tokens_details: {
    reasoning_tokens: number;
    audio_tokens: number;
    accepted_prediction_tokens: number;
    rejected_prediction_tokens: number;
  };
}

/** The parts of a chat request the fake reads; other fields are accepted and ignored. */
interface ChatRequestView {
  readonly messages: ReadonlyArray<Record<string, unknown>>;
  readonly tools: ReadonlyArray<Record<string, unknown>>;
  readonly toolChoice: unknown;
  readonly maxWords: number | undefined;
  readonly n: number;
}

const wordPattern = /\S+/g;

export function countWords(text: string): number {
  return text.match(wordPattern)?.length ?? 0;
}

/** Text of a message's `content`: a string, or the `text` of its text parts joined by spaces. */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  const texts: string[] = [];
  for (const part of content) {
    if (isRecord(part) && typeof part.text === "string") texts.push(part.text);
  }
  return texts.join(" ");
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Returns an error message when the body is not a chat request OpenAI would accept. */
export function validateChatRequest(body: unknown): { message: string; param: string } | undefined {
  if (!isRecord(body)) return { message: "The request body must be a JSON object.", param: "body" };
  if (typeof body.model !== "string" || body.model === "") {
    return { message: "you must provide a model parameter", param: "model" };
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return { message: "'messages' must be a non-empty array.", param: "messages" };
  }
  if (!body.messages.every(isRecord))
    return { message: "Each message must be an object.", param: "messages" };
  return undefined;
}

function viewOf(body: Record<string, unknown>): ChatRequestView {
  const limit = body.max_completion_tokens ?? body.max_tokens;
  return {
    messages: body.messages as ReadonlyArray<Record<string, unknown>>,
    tools: Array.isArray(body.tools) ? body.tools.filter(isRecord) : [],
    toolChoice: body.tool_choice,
    maxWords: typeof limit === "number" && limit > 0 ? limit : undefined,
    n: typeof body.n === "number" && body.n >= 1 ? Math.floor(body.n) : 1,
  };
}

function toolName(tool: Record<string, unknown>): string {
  const definition = isRecord(tool.function) ? tool.function : isRecord(tool.custom) ? tool.custom : tool;
  return typeof definition.name === "string" ? definition.name : "unnamed_tool";
}

function chosenToolName(view: ChatRequestView): string | undefined {
  if (view.tools.length === 0 || view.toolChoice === "none") return undefined;
  const choice = view.toolChoice;
  if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === "string") {
    return choice.function.name;
  }
  return toolName(view.tools[0]!);
}

function truncate(text: string, maxWords: number | undefined): { text: string; truncated: boolean } {
  if (maxWords === undefined) return { text, truncated: false };
  const words = text.match(wordPattern) ?? [];
  if (words.length <= maxWords) return { text, truncated: false };
  return { text: words.slice(0, maxWords).join(" "), truncated: true };
}

/**
 * Derives the `n` answers and the usage for a validated chat request.
 * `nextToolCallId` hands out `call_1`, `call_2`, … per fake server.
 */
export function answerChat(
  body: Record<string, unknown>,
  nextToolCallId: () => string,
): { answers: ChatAnswer[]; usage: ChatUsage } {
  const view = viewOf(body);
  const last = view.messages[view.messages.length - 1]!;
  let lastUserText = "";
  let promptTokens = 0;
  for (const message of view.messages) {
    const text = contentText(message.content);
    promptTokens += countWords(text);
    if (message.role === "user") lastUserText = text;
  }
  const toolToCall = last.role === "user" ? chosenToolName(view) : undefined;

  const answers: ChatAnswer[] = [];
  let completionTokens = 0;
  for (let index = 0; index < view.n; index++) {
    if (toolToCall !== undefined) {
      const callArguments = JSON.stringify({ query: lastUserText });
      completionTokens += countWords(callArguments);
      answers.push({
        text: null,
        toolCall: { id: nextToolCallId(), name: toolToCall, arguments: callArguments },
        finishReason: "tool_calls",
      });
      continue;
    }
    const full = last.role === "tool" ? "tool said: " + contentText(last.content) : "echo: " + lastUserText;
    const { text, truncated } = truncate(full, view.maxWords);
    completionTokens += countWords(text);
    answers.push({ text, toolCall: null, finishReason: truncated ? "length" : "stop" });
  }

  return {
    answers,
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    },
  };
}
