import { GatewayError } from "../errors/gateway-error.js";

/** Choices per prompt (OpenAI's limit for `n`). */
const MAX_CHOICES = 128;

/** The sampling parameters chat and text requests share. */
export interface SamplingFields {
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly n?: number;
  readonly presencePenalty?: number;
  readonly frequencyPenalty?: number;
}

/**
 * OpenAI's ranges for the sampling parameters, checked for every door (REST,
 * /v1/messages, Connect and gRPC, A2A agents' model calls), so a negative
 * max_tokens or a NaN temperature is the caller's 400, never forwarded.
 */
export function validateSampling(request: SamplingFields): void {
  if (request.maxTokens !== undefined && !(request.maxTokens >= 1)) {
    throw GatewayError.invalidArgument("max_tokens must be at least 1", "max_tokens");
  }
  checkRange(request.temperature, 0, 2, "temperature");
  checkRange(request.topP, 0, 1, "top_p");
  if (request.n !== undefined && !(request.n >= 1 && request.n <= MAX_CHOICES)) {
    throw GatewayError.invalidArgument(`n must be from 1 to ${MAX_CHOICES}`, "n");
  }
  checkRange(request.presencePenalty, -2, 2, "presence_penalty");
  checkRange(request.frequencyPenalty, -2, 2, "frequency_penalty");
}

function checkRange(value: number | undefined, minimum: number, maximum: number, param: string): void {
  // Written so that NaN fails too.
  if (value === undefined || (value >= minimum && value <= maximum)) return;
  throw GatewayError.invalidArgument(`${param} must be a number from ${minimum} to ${maximum}`, param);
}
