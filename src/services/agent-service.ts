import { create, type JsonObject } from "@bufbuild/protobuf";
import { Code, type HandlerContext } from "@connectrpc/connect";
import {
  type Agent,
  AgentSchema,
  type AgentService,
  AgentSource,
  CancelAgentTaskResponseSchema,
  CreateAgentResponseSchema,
  DeleteAgentResponseSchema,
  GetAgentResponseSchema,
  GetAgentTaskResponseSchema,
  ListAgentsResponseSchema,
  SendAgentMessageResponseSchema,
  StreamAgentMessageResponseSchema,
  UpdateAgentResponseSchema,
} from "../../gen/switchyard/v1/agent_pb.js";
import type { A2AAgents } from "../a2a/a2a-routes.js";
import { callAgent, streamAgent } from "../a2a/agent-calls.js";
import type { AgentDefinition } from "../a2a/agent-definition.js";
import { principalKey } from "../auth/context-keys.js";
import { checkAgent, type RawAgent } from "../config/validate-agents.js";
import { GatewayError } from "../errors/gateway-error.js";
import { type AgentRecord, type AgentRepository, agentNotFound } from "../store/agent-repository.js";
import { refreshAfterWrite, requireAdmin, requireStore, withStore } from "./admin-guards.js";
import { recordTimes } from "./record-times.js";
import type { ServiceHandlers } from "./service-handlers.js";

/** The service with its concrete message types; assignable to ServiceImpl<typeof AgentService>. */
export type AgentHandlers = ServiceHandlers<typeof AgentService>;

export interface AgentServiceDeps {
  /** The agents as served (the JSON-RPC door's handlers), for send/stream/get/cancel. */
  readonly agentHandlers: A2AAgents;
  /** Absent when the gateway runs without a database: every call answers UNAVAILABLE. */
  readonly repository?: Pick<AgentRepository, "create" | "get" | "list" | "update" | "delete">;
  /** The YAML agents, listed with source CONFIG and never changed here. */
  readonly configAgents: readonly AgentDefinition[];
  /** Model groups an agent's litellm_params.model may name (asked per write: stored models come and go). */
  readonly modelGroups: Pick<ReadonlySet<string>, "has">;
  /**
   * Awaited after a successful write, before answering, so this replica's
   * own next request sees the change (other replicas hear of it by NOTIFY).
   */
  readonly onChanged?: (agentName: string) => Promise<void>;
}

/**
 * A2A agent definitions, admin only (the master key), stored in the
 * database. A stored agent overrides a YAML agent of the same name; YAML
 * agents are shown but cannot be changed or deleted here (edit the file).
 * Talking to agents (send, stream, get and cancel tasks) is open to any
 * gateway key, as on the JSON-RPC door, and goes through the same handlers.
 */
export function createAgentService(deps: AgentServiceDeps): AgentHandlers {
  const configAgents = new Map(deps.configAgents.map((agent) => [agent.name, agent]));

  function repositoryFor(context: HandlerContext) {
    requireAdmin(context, "agents");
    return requireStore(deps.repository, "agent");
  }

  /** Throws INVALID_ARGUMENT naming the first bad field (every problem in the message). */
  function checked(raw: RawAgent, path: string): AgentDefinition {
    const problems: Array<{ path: string; message: string }> = [];
    const agent = checkAgent(raw, path, {
      source: "store",
      modelGroups: deps.modelGroups,
      report: (at, message) => problems.push({ path: at, message }),
    });
    const first = problems[0];
    if (first || !agent) {
      const message = problems.map((problem) => `${problem.path}: ${problem.message}`).join("; ");
      throw GatewayError.invalidArgument(message || "invalid agent", first?.path);
    }
    return agent;
  }

  const changed = (name: string) => refreshAfterWrite(deps.onChanged, name);

  function configOnly(name: string): GatewayError {
    return new GatewayError({
      code: Code.FailedPrecondition,
      message: `agent "${name}" is defined in the config file; change it there (or create a stored agent of the same name to override it)`,
      errorCode: "agent_in_config",
    });
  }

  return {
    async createAgent(request, context) {
      const repository = repositoryFor(context);
      const agent = request.agent;
      const definition = checked(
        {
          agent_name: agent?.agentName,
          agent_card_params: agent?.agentCardParams,
          litellm_params: agent?.litellmParams,
        },
        "agent",
      );
      const record = await withStore(`create agent "${definition.name}"`, () =>
        repository.create({
          name: definition.name,
          cardParams: agent?.agentCardParams ?? {},
          litellmParams: agent?.litellmParams ?? {},
        }),
      );
      await changed(record.name);
      return create(CreateAgentResponseSchema, { agent: storedAgent(record) });
    },

    async getAgent(request, context) {
      const repository = repositoryFor(context);
      const name = requireName(request.agentName);
      const record = await withStore(`read agent "${name}"`, () => repository.get(name));
      if (record) return create(GetAgentResponseSchema, { agent: storedAgent(record) });
      const configAgent = configAgents.get(name);
      if (!configAgent) throw agentNotFound(name);
      return create(GetAgentResponseSchema, { agent: yamlAgent(configAgent) });
    },

    async listAgents(_request, context) {
      const repository = repositoryFor(context);
      const records = await withStore("list agents", () => repository.list());
      const agents = new Map<string, Agent>();
      for (const agent of deps.configAgents) agents.set(agent.name, yamlAgent(agent));
      for (const record of records) agents.set(record.name, storedAgent(record));
      const names = [...agents.keys()].sort();
      return create(ListAgentsResponseSchema, { agents: names.map((name) => agents.get(name) as Agent) });
    },

    async updateAgent(request, context) {
      const repository = repositoryFor(context);
      const name = requireName(request.agentName);
      const current = await withStore(`read agent "${name}"`, () => repository.get(name));
      if (!current) throw configAgents.has(name) ? configOnly(name) : agentNotFound(name);
      // The result must still be a valid agent (e.g. dropping the url of a remote one is refused).
      checked(
        {
          agent_name: name,
          agent_card_params: request.agentCardParams ?? current.cardParams,
          litellm_params: request.litellmParams ?? current.litellmParams,
        },
        "",
      );
      const record = await withStore(`update agent "${name}"`, () =>
        repository.update(name, {
          ...(request.agentCardParams && { cardParams: request.agentCardParams }),
          ...(request.litellmParams && { litellmParams: request.litellmParams }),
        }),
      );
      await changed(name);
      return create(UpdateAgentResponseSchema, { agent: storedAgent(record) });
    },

    async deleteAgent(request, context) {
      const repository = repositoryFor(context);
      const name = requireName(request.agentName);
      try {
        await withStore(`delete agent "${name}"`, () => repository.delete(name));
      } catch (error) {
        const gatewayError = GatewayError.from(error);
        if (gatewayError.code === Code.NotFound && configAgents.has(name)) throw configOnly(name);
        throw gatewayError;
      }
      await changed(name);
      return create(DeleteAgentResponseSchema, {});
    },

    async sendAgentMessage(request, context) {
      const result = await callAgent(
        deps.agentHandlers,
        request.agentName,
        "SendMessage",
        messageParams(request),
        context.values.get(principalKey),
      );
      return create(SendAgentMessageResponseSchema, { result });
    },

    async *streamAgentMessage(request, context) {
      const events = streamAgent(
        deps.agentHandlers,
        request.agentName,
        messageParams(request),
        context.values.get(principalKey),
      );
      for await (const event of events) yield create(StreamAgentMessageResponseSchema, { event });
    },

    async getAgentTask(request, context) {
      const params: JsonObject = { id: requireTaskId(request.taskId) };
      if (request.historyLength !== undefined) params.historyLength = request.historyLength;
      const task = await callAgent(
        deps.agentHandlers,
        request.agentName,
        "GetTask",
        params,
        context.values.get(principalKey),
      );
      return create(GetAgentTaskResponseSchema, { task });
    },

    async cancelAgentTask(request, context) {
      const task = await callAgent(
        deps.agentHandlers,
        request.agentName,
        "CancelTask",
        { id: requireTaskId(request.taskId) },
        context.values.get(principalKey),
      );
      return create(CancelAgentTaskResponseSchema, { task });
    },
  };
}

function storedAgent(record: AgentRecord): Agent {
  return create(AgentSchema, {
    agentName: record.name,
    agentCardParams: record.cardParams as JsonObject,
    litellmParams: record.litellmParams as JsonObject,
    source: AgentSource.STORE,
    ...recordTimes(record),
  });
}

/** Only the fields agents use are shown, so a secret elsewhere in the YAML's litellm_params never is. */
function yamlAgent(agent: AgentDefinition): Agent {
  const litellmParams: JsonObject = {};
  if (agent.model !== undefined) litellmParams.model = agent.model;
  if (agent.systemPrompt !== undefined) litellmParams.system_prompt = agent.systemPrompt;
  return create(AgentSchema, {
    agentName: agent.name,
    agentCardParams: agent.cardParams as JsonObject,
    litellmParams,
    source: AgentSource.CONFIG,
  });
}

/** SendMessage params in A2A v1.0 JSON; a missing message is the SDK's INVALID_ARGUMENT. */
function messageParams(request: { message?: JsonObject; configuration?: JsonObject }): JsonObject {
  const params: JsonObject = {};
  if (request.message) params.message = request.message;
  if (request.configuration) params.configuration = request.configuration;
  return params;
}

function requireTaskId(taskId: string): string {
  if (taskId.trim() === "") throw GatewayError.invalidArgument("task_id is required", "task_id");
  return taskId;
}

function requireName(name: string): string {
  if (name.trim() === "") throw GatewayError.invalidArgument("agent_name is required", "agent_name");
  return name;
}
