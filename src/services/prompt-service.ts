import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import {
  type ListPromptsRequest,
  type ListPromptsResponse,
  ListPromptsResponseSchema,
  PromptSchema,
  type RenderPromptRequest,
  type RenderPromptResponse,
  RenderPromptResponseSchema,
} from "../../gen/switchyard/v1/prompt_pb.js";
import type { PromptSet } from "../integrations/dotprompt/prompt-set.js";
import { requirePrompt } from "../integrations/dotprompt/prompt-set.js";

/** The service with its concrete message types; assignable to ServiceImpl<typeof PromptService>. */
export interface PromptHandlers {
  listPrompts(request: ListPromptsRequest, context: HandlerContext): ListPromptsResponse;
  renderPrompt(request: RenderPromptRequest, context: HandlerContext): Promise<RenderPromptResponse>;
}

export interface PromptServiceDeps {
  /** Read once per call, so a reload never answers half old, half new. */
  readonly prompts: { readonly current: PromptSet };
}

/**
 * The managed prompts: lists them, and renders one exactly as a chat request
 * with prompt_id would (same variable checks, same messages) without calling
 * a model. Any valid gateway key may use it; the auth interceptor checks it.
 */
export function createPromptService(deps: PromptServiceDeps): PromptHandlers {
  return {
    listPrompts() {
      return create(ListPromptsResponseSchema, {
        prompts: deps.prompts.current.prompts.map((prompt) =>
          create(PromptSchema, {
            id: prompt.id,
            version: prompt.version,
            model: prompt.model ?? "",
            config: prompt.config,
            inputSchema: prompt.inputSchema,
            inputDefaults: prompt.inputDefaults,
            source: prompt.source,
          }),
        ),
      });
    },

    async renderPrompt(request) {
      const prompt = requirePrompt(deps.prompts.current, request.promptId, request.promptVersion, {
        id: "prompt_id",
        version: "prompt_version",
      });
      return create(RenderPromptResponseSchema, {
        messages: await prompt.render(request.variables, "variables"),
        model: prompt.model ?? "",
        config: prompt.config,
      });
    },
  };
}
