import type { Findings } from "./otlp-env.js";

/** The callbacks this folder serves; other names (prometheus, custom handlers…) belong to others. */
export const TRACE_CALLBACKS = ["otel", "levo"] as const;
export type TraceCallback = (typeof TRACE_CALLBACKS)[number];

/** A trace callback the config names, and which calls it exports. */
export interface TraceCallbackUse {
  readonly name: TraceCallback;
  readonly success: boolean;
  readonly failure: boolean;
}

/**
 * The trace callbacks named in litellm_settings, as LiteLLM reads them:
 * `callbacks` exports every call, `success_callback` only successful ones,
 * `failure_callback` only failed ones; a name in several lists is one
 * exporter covering their union.
 */
export function traceCallbacks(settings: Record<string, unknown>, findings: Findings): TraceCallbackUse[] {
  const lists = {
    callbacks: names(settings, "callbacks", findings),
    success_callback: names(settings, "success_callback", findings),
    failure_callback: names(settings, "failure_callback", findings),
  };
  return TRACE_CALLBACKS.flatMap((name) => {
    const always = lists.callbacks.includes(name);
    const success = always || lists.success_callback.includes(name);
    const failure = always || lists.failure_callback.includes(name);
    return success || failure ? [{ name, success, failure }] : [];
  });
}

/**
 * Whether spans carry message contents (gen_ai.input.messages and
 * gen_ai.output.messages). Off unless OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT
 * is true (or SPAN_ONLY / SPAN_AND_EVENT, as newer OTel GenAI instrumentations
 * spell it) or `litellm_settings.otel_capture_message_content: true`;
 * `litellm_settings.turn_off_message_logging: true` turns it off whatever
 * else says so.
 */
export function capturesMessageContent(settings: Record<string, unknown>, env: NodeJS.ProcessEnv): boolean {
  if (settings.turn_off_message_logging === true) return false;
  const flag = env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT?.trim().toLowerCase();
  return (
    settings.otel_capture_message_content === true ||
    flag === "true" ||
    flag === "span_only" ||
    flag === "span_and_event"
  );
}

function names(settings: Record<string, unknown>, key: string, findings: Findings): string[] {
  const value = settings[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    findings.problems.push(`litellm_settings.${key}: expected a list of callback names`);
    return [];
  }
  return value.filter((entry): entry is string => typeof entry === "string").map((entry) => entry.trim());
}
