import { Code } from "@connectrpc/connect";
import { GatewayError } from "../errors/gateway-error.js";
import type { UpstreamClient } from "../http/upstream-client.js";
import { firstMatch, replaceMatches } from "./detectors.js";
import type {
  ContentFilterSpec,
  GenericApiSpec,
  GuardrailSpec,
  MaxInputTokensSpec,
  OpenAIModerationSpec,
} from "./guardrail-settings.js";

/** What a check makes of the texts it was given: the same texts, masked ones, or a refusal. */
export type CheckResult =
  | { readonly outcome: "passed" }
  | { readonly outcome: "masked"; readonly texts: string[] }
  | { readonly outcome: "blocked"; readonly reason: string };

export interface CheckInput {
  readonly texts: readonly string[];
  /** LiteLLM's `input_type`: the request's texts, or the answer's. */
  readonly inputType: "request" | "response";
  readonly callId: string;
  readonly model: string;
  readonly signal: AbortSignal;
}

/** Runs one guardrail over texts. Throws only when a generic API guardrail fails closed. */
export function runCheck(
  spec: GuardrailSpec,
  input: CheckInput,
  client: UpstreamClient,
): Promise<CheckResult> | CheckResult {
  switch (spec.kind) {
    case "litellm_content_filter":
      return contentFilter(spec, input.texts);
    case "max_input_tokens":
      return maxInputTokens(spec, input);
    case "generic_guardrail_api":
      return genericApi(spec, input, client);
    case "openai_moderation":
      return openAIModeration(spec, input, client);
  }
}

/** LiteLLM's content filter: patterns first, then blocked words; the first BLOCK refuses, MASKs rewrite. */
function contentFilter(spec: ContentFilterSpec, texts: readonly string[]): CheckResult {
  let masked: string[] | undefined;
  for (let index = 0; index < texts.length; index++) {
    let text = texts[index]!;
    for (const rule of spec.patterns) {
      if (firstMatch(rule.detector, text) === undefined) continue;
      if (rule.action === "BLOCK")
        return { outcome: "blocked", reason: `Content blocked: ${rule.name} pattern detected` };
      text = replaceMatches(
        rule.detector,
        text,
        spec.maskFormat.replace("{pattern_name}", rule.name.toUpperCase()),
      );
    }
    const lower = text.toLowerCase();
    for (const word of spec.keywords) {
      if (!lower.includes(word.keyword)) continue;
      if (word.action === "BLOCK") {
        const why = word.description ? ` (${word.description})` : "";
        return { outcome: "blocked", reason: `Content blocked: keyword '${word.keyword}' detected${why}` };
      }
      text = text.replace(new RegExp(escapeRegExp(word.keyword), "gi"), spec.keywordTag);
    }
    if (text !== texts[index]) {
      masked ??= [...texts];
      masked[index] = text;
    }
  }
  return masked ? { outcome: "masked", texts: masked } : { outcome: "passed" };
}

/** ~4 characters a token, as the gateway's other estimates: a guard against runaway inputs, not a tokenizer. */
function maxInputTokens(spec: MaxInputTokensSpec, input: CheckInput): CheckResult {
  if (input.inputType === "response") return { outcome: "passed" };
  let characters = 0;
  for (const text of input.texts) characters += text.length;
  const tokens = Math.ceil(characters / 4);
  return tokens > spec.maxTokens
    ? { outcome: "blocked", reason: `Input too long: about ${tokens} tokens, the limit is ${spec.maxTokens}` }
    : { outcome: "passed" };
}

/**
 * LiteLLM's generic guardrail API: POST {texts, input_type, litellm_call_id, model, …}, answered
 * `{action: NONE | BLOCKED | GUARDRAIL_INTERVENED, blocked_reason?, texts?}`. A service that cannot be
 * reached, times out or answers 5xx fails the call (fail_closed) unless `unreachable_fallback: fail_open`.
 */
async function genericApi(
  spec: GenericApiSpec,
  input: CheckInput,
  client: UpstreamClient,
): Promise<CheckResult> {
  const answer = await askService(spec, input, client, {
    texts: input.texts,
    input_type: input.inputType,
    litellm_call_id: input.callId,
    model: input.model,
    additional_provider_specific_params: spec.extraParams,
  });
  if (answer === undefined) return { outcome: "passed" };
  const action = (answer as { action?: unknown } | null)?.action;
  if (action === "BLOCKED") {
    const reason = (answer as { blocked_reason?: unknown }).blocked_reason;
    return {
      outcome: "blocked",
      reason: typeof reason === "string" && reason ? reason : "Blocked by the guardrail service",
    };
  }
  if (action === "GUARDRAIL_INTERVENED") {
    const texts = (answer as { texts?: unknown }).texts;
    if (
      Array.isArray(texts) &&
      texts.length === input.texts.length &&
      texts.every((text) => typeof text === "string")
    ) {
      return { outcome: "masked", texts: texts as string[] };
    }
  }
  return { outcome: "passed" };
}

/** OpenAI's moderation endpoint over the texts; any flagged result blocks, naming its categories. */
async function openAIModeration(
  spec: OpenAIModerationSpec,
  input: CheckInput,
  client: UpstreamClient,
): Promise<CheckResult> {
  const answer = await askService(spec, input, client, { model: spec.model, input: input.texts });
  const results = (answer as { results?: unknown } | undefined)?.results;
  if (!Array.isArray(results)) return { outcome: "passed" };
  for (const result of results) {
    if (result?.flagged !== true) continue;
    const categories = Object.entries((result.categories ?? {}) as Record<string, unknown>)
      .filter(([, flagged]) => flagged === true)
      .map(([category]) => category);
    return {
      outcome: "blocked",
      reason: `Violated OpenAI moderation policy${categories.length ? `: ${categories.join(", ")}` : ""}`,
    };
  }
  return { outcome: "passed" };
}

/**
 * POSTs to a guardrail service and returns its JSON; undefined when it could
 * not answer and the guardrail fails open. Failing closed, the call is refused
 * with 503 naming the guardrail (never its key).
 */
async function askService(
  spec: GenericApiSpec | OpenAIModerationSpec,
  input: CheckInput,
  client: UpstreamClient,
  body: unknown,
): Promise<unknown> {
  try {
    const response = await client.send({
      url: spec.url,
      headers: {
        "content-type": "application/json",
        ...(spec.apiKey && { "x-api-key": spec.apiKey, authorization: `Bearer ${spec.apiKey}` }),
      },
      body: JSON.stringify(body),
      signal: input.signal,
      timeoutMs: spec.timeoutMs,
    });
    if (response.status >= 400) {
      await response.text().catch(() => "");
      throw new Error(`answered HTTP ${response.status}`);
    }
    return await response.json();
  } catch (error) {
    if (input.signal.aborted) throw error;
    if (spec.failOpen) return undefined;
    const why = error instanceof GatewayError ? error.rawMessage : (error as Error).message;
    throw new GatewayError({
      code: Code.Unavailable,
      message: `guardrail '${spec.name}' could not be reached (${why}); the call is refused (unreachable_fallback: fail_closed)`,
      errorCode: "guardrail_unreachable",
      retryable: false,
    });
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
