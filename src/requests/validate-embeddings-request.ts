import type { CreateEmbeddingsRequest } from "../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../errors/gateway-error.js";
import { checkCount, checkModelName, DEFAULT_REQUEST_LIMITS, type RequestLimits } from "./request-limits.js";

/** Checks of an embeddings request that every surface shares, before any routing. */
export function validateEmbeddingsRequest(
  request: CreateEmbeddingsRequest,
  limits: RequestLimits = DEFAULT_REQUEST_LIMITS,
): void {
  checkModelName(request.model);
  if (request.inputs.length === 0) throw GatewayError.invalidArgument("input must not be empty", "input");
  checkCount(request.inputs.length, limits.embeddingInputs, "input", "inputs");
}
