import { GatewayError } from "../errors/gateway-error.js";

/**
 * How much one request may ask for, checked at the door before any routing.
 * A text request answered through chat makes one upstream call per prompt,
 * so `prompts` also bounds that fan-out.
 */
export interface RequestLimits {
  /** Prompts of one text completion request. */
  readonly prompts: number;
  /** Messages of one chat request. */
  readonly messages: number;
  /** Tools of one chat request (OpenAI's documented limit is 128). */
  readonly tools: number;
  /** Inputs of one embeddings request (OpenAI's limit is 2048). */
  readonly embeddingInputs: number;
}

export const DEFAULT_REQUEST_LIMITS: RequestLimits = Object.freeze({
  prompts: 128,
  messages: 10_000,
  tools: 128,
  embeddingInputs: 2048,
});

/** The model name's longest accepted length, in characters. */
export const MAX_MODEL_NAME_CHARS = 256;

/** Throws 400 (`param`) when a list is longer than its limit. */
export function checkCount(count: number, limit: number, param: string, what: string): void {
  if (count > limit) {
    throw GatewayError.invalidArgument(`${param} has ${count} ${what}; at most ${limit} are allowed`, param);
  }
}

/** Throws 400 (`param`) when a list the request cannot do without is empty or longer than its limit. */
export function checkList(count: number, limit: number, param: string, what: string): void {
  if (count === 0) throw GatewayError.invalidArgument(`${param} must not be empty`, param);
  checkCount(count, limit, param, what);
}

/** Throws 400 for a missing or overlong model name; the error never repeats a long name. */
export function checkModelName(model: string): void {
  if (!model) throw GatewayError.invalidArgument("model is required", "model");
  if (model.length > MAX_MODEL_NAME_CHARS) {
    throw GatewayError.invalidArgument(
      `model must be at most ${MAX_MODEL_NAME_CHARS} characters (it has ${model.length})`,
      "model",
    );
  }
}
