import type { Door } from "./door.js";
import { sendOpenAIError } from "./error-answers.js";

/** What a door built by openAIDoor takes. */
export type DoorDeps = Pick<Door, "authenticator" | "onError">;

/** The OpenAI-style door (also LiteLLM's management routes): Bearer or x-api-key, errors as OpenAI error JSON. */
export function openAIDoor(deps: DoorDeps): Door {
  return { authenticator: deps.authenticator, sendError: sendOpenAIError, onError: deps.onError };
}
