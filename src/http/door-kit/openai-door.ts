import type { Door } from "./door.js";
import { sendOpenAIError } from "./error-answers.js";

/** The OpenAI-style door (also LiteLLM's management routes): Bearer or x-api-key, errors as OpenAI error JSON. */
export function openAIDoor(deps: Pick<Door, "authenticator" | "onError">): Door {
  return { authenticator: deps.authenticator, sendError: sendOpenAIError, onError: deps.onError };
}
