import type { JsonObject } from "@bufbuild/protobuf";
import { type Agent, AgentService, AgentSource } from "../../gen/switchyard/v1/agent_pb.js";
import type { AgentHandlers } from "../services/agent-service.js";
import { handlerCalls } from "../services/handler-calls.js";
import { jsonObject, object, optional, text } from "./input-schema.js";
import { callService } from "./service-call.js";
import { adminProcedure, adminRouter } from "./trpc.js";
import { changeTimes } from "./view-times.js";

export interface AgentView {
  readonly name: string;
  /** "config": from the YAML, read-only here; "store": created through the API. */
  readonly source: "config" | "store";
  /** A2A card fields (name, description, skills, url for remote agents). */
  readonly cardParams: JsonObject;
  /** The model behind it (model, system_prompt, …); empty for a remote agent. */
  readonly litellmParams: JsonObject;
  readonly createdAt?: string;
  readonly updatedAt?: string;
}

/** AgentService through tRPC. */
export function agentsRouter(agents: Pick<AgentHandlers, "listAgents" | "createAgent" | "deleteAgent">) {
  const rpc = handlerCalls(AgentService, agents);
  return adminRouter({
    list: adminProcedure.query(async ({ ctx }): Promise<AgentView[]> => {
      const response = await callService(ctx, rpc("listAgents"));
      return response.agents.map(agentView);
    }),

    create: adminProcedure
      .input(object({ name: text, cardParams: jsonObject, litellmParams: optional(jsonObject) }))
      .mutation(async ({ ctx, input }): Promise<AgentView> => {
        const response = await callService(
          ctx,
          rpc("createAgent", {
            agent: {
              agentName: input.name,
              agentCardParams: input.cardParams,
              litellmParams: input.litellmParams,
            },
          }),
        );
        return agentView(response.agent!);
      }),

    delete: adminProcedure.input(object({ name: text })).mutation(async ({ ctx, input }) => {
      await callService(ctx, rpc("deleteAgent", { agentName: input.name }));
      return { deleted: input.name };
    }),
  });
}

function agentView(agent: Agent): AgentView {
  return {
    name: agent.agentName,
    source: agent.source === AgentSource.CONFIG ? "config" : "store",
    cardParams: agent.agentCardParams ?? {},
    litellmParams: agent.litellmParams ?? {},
    ...changeTimes(agent),
  };
}
