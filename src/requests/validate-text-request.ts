import type { TextCompletionRequest } from "../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../errors/gateway-error.js";
import { checkCount, checkModelName, DEFAULT_REQUEST_LIMITS, type RequestLimits } from "./request-limits.js";
import { validateSampling } from "./validate-sampling.js";

/**
 * Semantic checks of a text completion request that every surface shares;
 * gRPC and Connect callers skip the REST codec's shape checks, so what an
 * upstream would reject anyway is caught here, with a param path.
 */
export function validateTextRequest(
  request: TextCompletionRequest,
  limits: RequestLimits = DEFAULT_REQUEST_LIMITS,
): void {
  checkModelName(request.model);
  if (request.prompt.length === 0) throw GatewayError.invalidArgument("prompt must not be empty", "prompt");
  checkCount(request.prompt.length, limits.prompts, "prompt", "prompts");
  validateSampling(request);
  if (request.logprobs !== undefined && request.logprobs < 0) {
    throw GatewayError.invalidArgument("logprobs must not be negative", "logprobs");
  }
}
