/**
 * Hugging Face's native text-generation wire format (protocols.md §6.6): the
 * classic Inference API (`POST …/models/<org>/<model>`) and TGI's
 * `POST /generate` and `/generate_stream` take the same body; the classic API
 * answers with an array, TGI with one object; both stream the same events.
 */

/** `parameters` of a text-generation request; only what Switchyard sets by name. */
export interface TextGenerationParameters {
  max_new_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string[];
  seed?: number;
  frequency_penalty?: number;
  do_sample?: boolean;
  /** Always false: callers want the continuation, not the prompt again. */
  return_full_text: boolean;
  /** Always true: the details carry the finish reason and token counts. */
  details: boolean;
  /** Anything else from the caller's `extra_body` (top_k, repetition_penalty, grammar, …). */
  [key: string]: unknown;
}

export interface TextGenerationRequest {
  inputs: string;
  parameters: TextGenerationParameters;
  /** Asks the classic Inference API for an event stream; TGI streams on `/generate_stream` instead. */
  stream?: boolean;
}

export type TextGenerationFinishReason = "length" | "eos_token" | "stop_sequence";

/** `details` of a TGI answer or of a stream's last event. */
export interface TextGenerationDetails {
  finish_reason?: TextGenerationFinishReason;
  generated_tokens?: number;
  /** Prompt tokens; stream events carry it, whole answers only through `prefill`. */
  input_length?: number;
  prefill?: unknown[];
  seed?: number | null;
}

/** One `/generate_stream` event. `generated_text` and `details` are set on the last one only. */
export interface TextGenerationStreamEvent {
  index?: number;
  token: { id: number; text: string; logprob?: number; special: boolean };
  generated_text: string | null;
  details: TextGenerationDetails | null;
}
