import { AGENT_MODEL_PREFIX } from "../../a2a/agent-model.js";

/**
 * The model a prompt's frontmatter names, as a model group of this gateway:
 * a group of exactly that name; else, since dotprompt files name models
 * Genkit-style (`openai/gpt-4o`, `googleai/gemini-2.0-flash`), the group
 * named by what follows the provider prefix. `a2a/<agent>` models are kept
 * as written. Undefined when neither exists.
 */
export function resolvePromptModel(
  model: string,
  isModelGroup: (name: string) => boolean,
): string | undefined {
  if (isModelGroup(model) || model.startsWith(AGENT_MODEL_PREFIX)) return model;
  const slash = model.indexOf("/");
  if (slash > 0 && isModelGroup(model.slice(slash + 1))) return model.slice(slash + 1);
  return undefined;
}
