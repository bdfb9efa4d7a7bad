import { GatewayError } from "../../errors/gateway-error.js";
import type { PromptApplier } from "../../services/completion-service.js";
import { resolvePromptModel } from "./prompt-model.js";
import { type PromptSet, requirePrompt } from "./prompt-set.js";

export interface PromptApplierOptions {
  /** Read once per request: a reload during the request does not reach it. */
  readonly prompts: { readonly current: PromptSet };
  readonly isModelGroup: (name: string) => boolean;
}

/**
 * Puts the prompt a chat request names into it. The rule: the rendered
 * messages come first and the request's own messages after them; the
 * frontmatter's model is used only when the request names none (resolved as
 * resolvePromptModel says); its config parameters and output format only
 * where the request left them unset.
 */
export function createPromptApplier(options: PromptApplierOptions): PromptApplier {
  const { isModelGroup } = options;
  return {
    async apply(request) {
      const prompt = requirePrompt(options.prompts.current, request.promptId, request.promptVersion, {
        id: "prompt_id",
        version: "prompt_version",
      });
      const messages = await prompt.render(request.promptVariables, "prompt_variables");
      request.messages = [...messages, ...request.messages];
      if (!request.model) {
        if (!prompt.model) {
          throw GatewayError.invalidArgument(
            `model is required: the request names none, and neither does prompt "${request.promptId}"`,
            "model",
          );
        }
        request.model = resolvePromptModel(prompt.model, isModelGroup) ?? prompt.model;
      }
      prompt.applyParameters(request);
      prompt.applyResponseFormat(request);
    },
  };
}
