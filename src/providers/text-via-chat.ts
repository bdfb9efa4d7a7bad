import { setMaxListeners } from "node:events";
import { create, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import {
  type ChatMessage,
  FinishReason,
  Role,
  type Usage,
  UsageSchema,
} from "../../gen/switchyard/v1/chat_pb.js";
import {
  type ChatCompletion,
  type ChatCompletionRequest,
  ChatCompletionRequestSchema,
  type TextChoice,
  TextChoiceSchema,
  type TextCompletion,
  type TextCompletionRequest,
  TextCompletionSchema,
} from "../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../errors/gateway-error.js";
import { isJsonObject } from "../wire/openai/json-object.js";
import { mapConcurrently } from "./map-concurrently.js";
import type { CallOptions, Provider, UpstreamTarget } from "./provider.js";

/**
 * Upstream calls one fanned-out text request runs at once: enough to keep
 * latency near one call's for a handful of prompts, few enough that a
 * large request neither floods the upstream nor piles listeners on one signal.
 */
export const FAN_OUT_CONCURRENCY = 8;

/**
 * Readies the attempt's signal (the router's, one per attempt) for a fan-out
 * of `calls` requests. undici drops its abort listener from a request's
 * signal on the body's close event, a tick after the body was read, so with
 * FAN_OUT_CONCURRENCY requests at a time up to twice as many listeners can
 * be attached at once: bounded, and no leak for Node to warn about.
 */
function allowFanOutListeners(signal: AbortSignal, calls: number): void {
  // An attempt's own signal (a LightSignal) is no EventTarget and has no listener limit.
  if (calls > 1 && signal instanceof EventTarget) setMaxListeners(2 * FAN_OUT_CONCURRENCY + 1, signal);
}

/** One upstream call per prompt, FAN_OUT_CONCURRENCY at a time, answers in prompt order. */
export function perPrompt<Result>(
  prompts: readonly string[],
  signal: AbortSignal,
  call: (prompt: string) => Promise<Result>,
): Promise<Result[]> {
  allowFanOutListeners(signal, prompts.length);
  return mapConcurrently(prompts, FAN_OUT_CONCURRENCY, call);
}

/** Upstream requests a text completion request makes on this provider: one, or one per prompt. */
export function textUpstreamCalls(provider: Provider, request: TextCompletionRequest): number {
  return provider.textCompletion && !provider.textCompletionPerPrompt ? 1 : request.prompt.length;
}

/**
 * Legacy text completions on chat-only providers (Anthropic, mock, …).
 * Each prompt goes out as one user message with the request's sampling
 * parameters; each chat choice comes back as a text choice with index
 * `prompt index × n + choice index`, its finish reason, its logprobs in the
 * legacy shape, and the usage of all the calls summed. `echo` puts the
 * prompt in front of the text. `suffix` (fill-in-the-middle) has no chat
 * equivalent and is rejected.
 */

export async function textCompletionViaChat(
  provider: Provider,
  request: TextCompletionRequest,
  target: UpstreamTarget,
  options: CallOptions,
): Promise<TextCompletion> {
  rejectSuffix(request);
  const completions = await perPrompt(request.prompt, options.signal, (prompt) =>
    provider.chatCompletion(chatRequestForPrompt(request, prompt), target, options),
  );
  const n = request.n ?? 1;
  const choices: TextChoice[] = [];
  let usage: Usage | undefined;
  for (let promptIndex = 0; promptIndex < completions.length; promptIndex++) {
    const completion = completions[promptIndex]!;
    const prefix = request.echo ? request.prompt[promptIndex]! : "";
    for (const choice of completion.choices) {
      choices.push(
        create(TextChoiceSchema, {
          index: promptIndex * n + choice.index,
          text: prefix + messageText(choice.message),
          finishReason: choice.finishReason,
          logprobs: legacyLogprobs(choice.logprobs, prefix.length),
        }),
      );
    }
    usage = addUsage(usage, completion.usage);
  }
  return create(TextCompletionSchema, { ...identityOf(completions[0]!), choices, usage });
}

/**
 * Streams the prompts one after another, each choice's fragments as they
 * arrive; usage (summed) follows in one last message with no choices. An
 * upstream failure before the first fragment is thrown from the first
 * `next()`, as the Provider contract asks.
 */
export async function* streamTextViaChat(
  provider: Provider,
  request: TextCompletionRequest,
  target: UpstreamTarget,
  options: CallOptions,
): AsyncGenerator<TextCompletion> {
  rejectSuffix(request);
  const n = request.n ?? 1;
  let identity: Pick<TextCompletion, "id" | "created" | "model" | "systemFingerprint"> | undefined;
  let usage: Usage | undefined;
  for (let promptIndex = 0; promptIndex < request.prompt.length; promptIndex++) {
    const prompt = request.prompt[promptIndex]!;
    // Characters of text sent so far per choice: where echo goes, and logprobs' text_offset.
    const sent = new Map<number, number>();
    const chunks = provider.streamChatCompletion(chatRequestForPrompt(request, prompt), target, options);
    for await (const chunk of chunks) {
      identity ??= identityOf(chunk);
      usage = addUsage(usage, chunk.usage);
      const choices: TextChoice[] = [];
      for (const delta of chunk.choices) {
        const offset = sent.get(delta.index);
        const prefix = offset === undefined && request.echo ? prompt : "";
        const text = prefix + delta.content + delta.refusal;
        sent.set(delta.index, (offset ?? 0) + text.length);
        // A role-only opening delta carries nothing a text client could see.
        if (text === "" && delta.finishReason === FinishReason.UNSPECIFIED) continue;
        choices.push(
          create(TextChoiceSchema, {
            index: promptIndex * n + delta.index,
            text,
            finishReason: delta.finishReason,
            logprobs: legacyLogprobs(delta.logprobs, (offset ?? 0) + prefix.length),
          }),
        );
      }
      if (choices.length > 0) yield create(TextCompletionSchema, { ...identity, choices });
    }
  }
  if (identity !== undefined && usage !== undefined) {
    yield create(TextCompletionSchema, { ...identity, choices: [], usage });
  }
}

/** One prompt as a chat request with the text request's parameters. */
export function chatRequestForPrompt(request: TextCompletionRequest, prompt: string): ChatCompletionRequest {
  return create(ChatCompletionRequestSchema, {
    model: request.model,
    messages: [{ role: Role.USER, content: [{ part: { case: "text", value: prompt } }] }],
    maxTokens: request.maxTokens,
    temperature: request.temperature,
    topP: request.topP,
    stop: request.stop,
    seed: request.seed,
    n: request.n,
    presencePenalty: request.presencePenalty,
    frequencyPenalty: request.frequencyPenalty,
    // Legacy `logprobs: N` is chat's `logprobs: true, top_logprobs: N`.
    logprobs: request.logprobs === undefined ? undefined : true,
    topLogprobs: request.logprobs,
    user: request.user,
    streamOptions: request.streamOptions,
    extraBody: request.extraBody,
  });
}

function rejectSuffix(request: TextCompletionRequest): void {
  if (request.suffix !== "") {
    throw GatewayError.invalidArgument(
      `'suffix' needs a model served by a text completion API; \`${request.model}\` is served through chat`,
      "suffix",
    );
  }
}

function identityOf(
  message: Pick<ChatCompletion, "id" | "created" | "model" | "systemFingerprint">,
): Pick<TextCompletion, "id" | "created" | "model" | "systemFingerprint"> {
  return {
    id: message.id,
    created: message.created,
    model: message.model,
    systemFingerprint: message.systemFingerprint,
  };
}

/** The reply's text; a refusal is what the model said, so it counts as text here. */
function messageText(message: ChatMessage | undefined): string {
  let text = "";
  for (const { part } of message?.content ?? []) {
    if (part.case === "text" || part.case === "refusal") text += part.value;
  }
  return text;
}

function addUsage(total: Usage | undefined, usage: Usage | undefined): Usage | undefined {
  if (usage === undefined) return total;
  if (total === undefined) return create(UsageSchema, usage);
  total.promptTokens += usage.promptTokens;
  total.completionTokens += usage.completionTokens;
  total.totalTokens += usage.totalTokens;
  total.cachedTokens += usage.cachedTokens;
  total.cacheCreationTokens += usage.cacheCreationTokens;
  total.reasoningTokens += usage.reasoningTokens;
  return total;
}

/**
 * Chat logprobs (`{content: [{token, logprob, top_logprobs: [{token, logprob}]}]}`)
 * in the legacy completions shape (`{tokens, token_logprobs, top_logprobs,
 * text_offset}`); `offset` is where the first token starts in the choice's text.
 */
export function legacyLogprobs(chat: JsonObject | undefined, offset: number): JsonObject | undefined {
  const content = chat?.content;
  if (!Array.isArray(content)) return undefined;
  const tokens: string[] = [];
  const tokenLogprobs: number[] = [];
  const topLogprobs: JsonValue[] = [];
  const textOffset: number[] = [];
  let position = offset;
  for (const entry of content) {
    if (!isJsonObject(entry) || typeof entry.token !== "string") continue;
    tokens.push(entry.token);
    tokenLogprobs.push(typeof entry.logprob === "number" ? entry.logprob : 0);
    textOffset.push(position);
    position += entry.token.length;
    const alternatives: JsonObject = {};
    if (Array.isArray(entry.top_logprobs)) {
      for (const alternative of entry.top_logprobs) {
        if (
          isJsonObject(alternative) &&
          typeof alternative.token === "string" &&
          typeof alternative.logprob === "number"
        ) {
          alternatives[alternative.token] = alternative.logprob;
        }
      }
    }
    topLogprobs.push(alternatives);
  }
  return { tokens, token_logprobs: tokenLogprobs, top_logprobs: topLogprobs, text_offset: textOffset };
}
