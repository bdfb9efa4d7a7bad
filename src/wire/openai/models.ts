import type { Model } from "../../../gen/switchyard/v1/completion_pb.js";
import type { OpenAIModel, OpenAIModelList } from "./openai-types.js";

/** `GET /v1/models/{id}`: one model group as an OpenAI Model object. */
export function encodeModel(model: Model): OpenAIModel {
  return { id: model.id, object: "model", created: Number(model.created), owned_by: model.ownedBy };
}

/** `GET /v1/models`. */
export function encodeModelList(models: readonly Model[]): OpenAIModelList {
  return { object: "list", data: models.map(encodeModel) };
}
