import { checkAgent } from "../config/validate-agents.js";
import type { Logger } from "../observability/logger.js";
import type { AgentRecord, AgentRepository } from "../store/agent-repository.js";
import { byId, errorMessage, StoredMirror } from "../store/stored-mirror.js";
import type { AgentDefinition } from "./agent-definition.js";

/** Called after a reload: with the agent's name, or `undefined` when every stored agent was reloaded. */
export type AgentsReloadedListener = (agentName: string | undefined) => void;

export interface AgentRegistryOptions {
  /** The YAML's agents, checked. */
  readonly configAgents: readonly AgentDefinition[];
  /** Absent: only config agents exist. */
  readonly repository?: Pick<AgentRepository, "get" | "list" | "onAgentsChanged">;
  readonly logger: Logger;
}

/**
 * Every agent the gateway serves, in memory: YAML agents and stored ones (a
 * StoredMirror), a stored agent overriding a YAML one of the same name, so a
 * lookup per request is one Map get and never a database read.
 */
export class AgentRegistry extends StoredMirror<string, AgentRecord, AgentDefinition> {
  readonly #config: ReadonlyMap<string, AgentDefinition>;
  readonly #configAgents: readonly AgentDefinition[];
  /** Merged view, rebuilt on each change; what get() and list() read. */
  #byName: ReadonlyMap<string, AgentDefinition>;
  #sorted: readonly AgentDefinition[] = [];

  constructor({ configAgents, repository, logger }: AgentRegistryOptions) {
    super({
      source: repository && byId(repository, (onChange) => repository.onAgentsChanged(onChange)),
      idsOf: (name) => [name],
      idOf: (record) => record.name,
      admit: (record) => checked(record, logger),
      entity: "agents",
      logFields: (name) => ({ agent: name }),
      describeError: errorMessage,
      logger,
    });
    this.#configAgents = configAgents;
    this.#config = new Map(configAgents.map((agent) => [agent.name, agent]));
    this.#byName = this.#config;
    this.held(new Map());
  }

  /** The agent served at /a2a/{name} (stored or YAML), or undefined. */
  override get(name: string): AgentDefinition | undefined {
    return this.#byName.get(name);
  }

  /** Every agent, ordered by name. */
  list(): readonly AgentDefinition[] {
    return this.#sorted;
  }

  /** The YAML agent of that name, whether or not a stored one overrides it. */
  configAgent(name: string): AgentDefinition | undefined {
    return this.#config.get(name);
  }

  /** The YAML agents, in file order. */
  configAgents(): readonly AgentDefinition[] {
    return this.#configAgents;
  }

  protected override held(stored: ReadonlyMap<string, AgentDefinition>): void {
    const merged = new Map(this.#config);
    for (const [name, agent] of stored) merged.set(name, agent);
    this.#byName = merged;
    this.#sorted = [...merged.values()].sort((left, right) =>
      left.name < right.name ? -1 : left.name > right.name ? 1 : 0,
    );
  }
}

/** Rows were checked when written; one edited by hand into a bad shape is left out, with a warning. */
function checked(record: AgentRecord, logger: Logger): AgentDefinition | undefined {
  const problems: string[] = [];
  const agent = checkAgent(
    { agent_name: record.name, agent_card_params: record.cardParams, litellm_params: record.litellmParams },
    "",
    { source: "store", report: (path, message) => problems.push(`${path}: ${message}`) },
  );
  if (!agent) logger.warn({ agent: record.name, problems }, "agents: a stored agent is invalid; not served");
  return agent;
}
