import type { TextCompletionRequest } from "../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../errors/gateway-error.js";

/**
 * Semantic checks of a text completion request that every surface shares;
 * gRPC and Connect callers skip the REST codec's shape checks, so what an
 * upstream would reject anyway is caught here, with a param path.
 */
export function validateTextRequest(request: TextCompletionRequest): void {
  if (!request.model) throw GatewayError.invalidArgument("model is required", "model");
  if (request.prompt.length === 0) throw GatewayError.invalidArgument("prompt must not be empty", "prompt");
  if (request.n !== undefined && request.n < 1)
    throw GatewayError.invalidArgument("n must be at least 1", "n");
  if (request.logprobs !== undefined && request.logprobs < 0) {
    throw GatewayError.invalidArgument("logprobs must not be negative", "logprobs");
  }
}
