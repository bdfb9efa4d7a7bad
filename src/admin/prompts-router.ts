import { create, type JsonObject } from "@bufbuild/protobuf";
import { type ChatMessage, Role } from "../../gen/switchyard/v1/chat_pb.js";
import {
  ListPromptsRequestSchema,
  PromptService,
  RenderPromptRequestSchema,
} from "../../gen/switchyard/v1/prompt_pb.js";
import type { PromptHandlers } from "../services/prompt-service.js";
import { count, jsonObject, object, optional, text } from "./input-schema.js";
import { callService } from "./service-call.js";
import { adminProcedure, adminRouter } from "./trpc.js";

export interface PromptView {
  readonly id: string;
  readonly version?: number;
  /** The frontmatter's model; empty when it names none. */
  readonly model: string;
  readonly config: JsonObject;
  /** JSON Schema of the input variables. */
  readonly inputSchema: JsonObject;
  readonly inputDefaults: JsonObject;
  /** A file path, or "config" for inline content. */
  readonly source: string;
}

/** A rendered message: its role and text (non-text parts shown as their kind, e.g. "[image_url]"). */
export interface RenderedMessage {
  readonly role: string;
  readonly text: string;
}

export interface RenderedPrompt {
  readonly messages: RenderedMessage[];
  readonly model: string;
  readonly config: JsonObject;
}

const method = PromptService.method;

/** PromptService through tRPC: list the managed prompts, render one without calling a model. */
export function promptsRouter(prompts: PromptHandlers) {
  return adminRouter({
    list: adminProcedure.query(async ({ ctx }): Promise<PromptView[]> => {
      const response = await callService(ctx, {
        method: method.listPrompts,
        run: (context) => prompts.listPrompts(create(ListPromptsRequestSchema), context),
      });
      return response.prompts.map((prompt) => ({
        id: prompt.id,
        version: prompt.version,
        model: prompt.model,
        config: prompt.config ?? {},
        inputSchema: prompt.inputSchema ?? {},
        inputDefaults: prompt.inputDefaults ?? {},
        source: prompt.source,
      }));
    }),

    render: adminProcedure
      .input(object({ id: text, version: optional(count), variables: optional(jsonObject) }))
      .mutation(async ({ ctx, input }): Promise<RenderedPrompt> => {
        const request = create(RenderPromptRequestSchema, {
          promptId: input.id,
          promptVersion: input.version,
          variables: input.variables ?? {},
        });
        const response = await callService(ctx, {
          method: method.renderPrompt,
          run: (context) => prompts.renderPrompt(request, context),
        });
        return {
          messages: response.messages.map(renderedMessage),
          model: response.model,
          config: response.config ?? {},
        };
      }),
  });
}

function renderedMessage(message: ChatMessage): RenderedMessage {
  const text = message.content
    .map(({ part }) => {
      if (part.case === "text" || part.case === "refusal") return part.value;
      return part.case === undefined ? "" : `[${part.case}]`;
    })
    .join("");
  return { role: roleName(message.role), text };
}

function roleName(role: Role): string {
  return Role[role]?.toLowerCase() ?? "unspecified";
}
