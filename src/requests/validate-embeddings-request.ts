import type { CreateEmbeddingsRequest } from "../../gen/switchyard/v1/completion_pb.js";
import { checkList, checkModelName, type RequestLimits } from "./request-limits.js";

/** Checks of an embeddings request that every surface shares, before any routing. */
export function validateEmbeddingsRequest(request: CreateEmbeddingsRequest, limits: RequestLimits): void {
  checkModelName(request.model);
  checkList(request.inputs.length, limits.embeddingInputs, "input", "inputs");
}
