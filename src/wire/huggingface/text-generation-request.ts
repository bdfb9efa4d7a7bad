import type { JsonObject } from "@bufbuild/protobuf";
import type { TextGenerationParameters, TextGenerationRequest } from "./text-generation-types.js";

/**
 * The sampling fields a text-generation request is built from. Both
 * ChatCompletionRequest and TextCompletionRequest have them under these
 * names, so either can be passed as is.
 */
export interface TextGenerationSampling {
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly stop: readonly string[];
  readonly seed?: bigint;
  readonly frequencyPenalty?: number;
  readonly extraBody?: JsonObject;
}

/** `extra_body` keys that would break decoding if a caller replaced them. */
const reservedParameters: ReadonlySet<string> = new Set(["details", "return_full_text"]);

/**
 * Builds `{inputs, parameters}`:
 *
 * | OpenAI            | text-generation                                      |
 * |-------------------|------------------------------------------------------|
 * | max_tokens        | max_new_tokens                                       |
 * | temperature       | temperature; 0 becomes `do_sample: false` (greedy), as TGI rejects 0 |
 * | top_p             | top_p; 1 or more is left out (TGI wants it below 1)  |
 * | stop              | stop, plus the chat template's `extraStop`           |
 * | seed              | seed                                                 |
 * | frequency_penalty | frequency_penalty                                    |
 * | extra_body        | merged into `parameters` (top_k, repetition_penalty, grammar, …) |
 *
 * `return_full_text: false` and `details: true` are always sent.
 * `stream: true` goes into the body only for the classic Inference API
 * (`streamInBody`); TGI streams on its own path.
 */
export function encodeTextGenerationRequest(
  inputs: string,
  sampling: TextGenerationSampling,
  options: { readonly streamInBody: boolean; readonly extraStop?: readonly string[] },
): TextGenerationRequest {
  const parameters: TextGenerationParameters = { return_full_text: false, details: true };
  if (sampling.maxTokens !== undefined) parameters.max_new_tokens = sampling.maxTokens;
  if (sampling.temperature !== undefined) {
    if (sampling.temperature > 0) parameters.temperature = sampling.temperature;
    else parameters.do_sample = false;
  }
  if (sampling.topP !== undefined && sampling.topP < 1) parameters.top_p = sampling.topP;
  const stop = stopSequences(sampling.stop, options.extraStop);
  if (stop.length > 0) parameters.stop = stop;
  if (sampling.seed !== undefined) parameters.seed = Number(sampling.seed);
  if (sampling.frequencyPenalty !== undefined) parameters.frequency_penalty = sampling.frequencyPenalty;
  const extraBody = sampling.extraBody;
  if (extraBody !== undefined) {
    for (const key of Object.keys(extraBody)) {
      if (!reservedParameters.has(key)) parameters[key] = extraBody[key];
    }
  }
  const request: TextGenerationRequest = { inputs, parameters };
  if (options.streamInBody) request.stream = true;
  return request;
}

/** The caller's stop sequences followed by the template's, without duplicates. */
function stopSequences(stop: readonly string[], extraStop: readonly string[] | undefined): string[] {
  if (extraStop === undefined || extraStop.length === 0) return [...stop];
  const result = [...stop];
  for (const sequence of extraStop) if (!result.includes(sequence)) result.push(sequence);
  return result;
}
