import type { TextCompletionRequest } from "../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../errors/gateway-error.js";
import { checkList, checkModelName, type RequestLimits } from "./request-limits.js";
import { validateSampling } from "./validate-sampling.js";

/**
 * Semantic checks of a text completion request that every surface shares;
 * gRPC and Connect callers skip the REST codec's shape checks, so what an
 * upstream would reject anyway is caught here, with a param path.
 */
export function validateTextRequest(request: TextCompletionRequest, limits: RequestLimits): void {
  checkModelName(request.model);
  checkList(request.prompt.length, limits.prompts, "prompt", "prompts");
  validateSampling(request);
  if (request.logprobs !== undefined && request.logprobs < 0) {
    throw GatewayError.invalidArgument("logprobs must not be negative", "logprobs");
  }
}
