import { checkAgent } from "../config/validate-agents.js";
import type { Logger } from "../observability/logger.js";
import type { AgentRecord, AgentRepository } from "../store/agent-repository.js";
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
 * Every agent the gateway serves, in memory: YAML agents and stored ones, a
 * stored agent overriding a YAML one of the same name. Stored agents are read
 * at start and re-read when any replica changes one (LISTEN/NOTIFY), so a
 * lookup per request is one Map get and never a database read.
 */
export class AgentRegistry {
  readonly #config: ReadonlyMap<string, AgentDefinition>;
  readonly #stored = new Map<string, AgentDefinition>();
  readonly #options: AgentRegistryOptions;
  readonly #listeners = new Set<AgentsReloadedListener>();
  /** Merged view, rebuilt on each change; what get() and list() read. */
  #byName: ReadonlyMap<string, AgentDefinition>;
  #sorted: readonly AgentDefinition[] = [];
  /** Reloads run one at a time, so an older read never overwrites a newer one. */
  #queue: Promise<void> = Promise.resolve();
  #unsubscribe: (() => Promise<void>) | undefined;
  #stopped = false;

  constructor(options: AgentRegistryOptions) {
    this.#options = options;
    this.#config = new Map(options.configAgents.map((agent) => [agent.name, agent]));
    this.#byName = this.#config;
    this.#rebuild();
  }

  /** The agent served at /a2a/{name}, or undefined. */
  get(name: string): AgentDefinition | undefined {
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
    return this.#options.configAgents;
  }

  /**
   * Listens for changes, then reads every stored agent. Resolves once they
   * are loaded; while the database is unreachable it stays pending (YAML
   * agents serve meanwhile).
   */
  async start(): Promise<void> {
    const repository = this.#options.repository;
    if (!repository) return;
    const unsubscribe = await repository.onAgentsChanged((name) => void this.reload(name));
    if (this.#stopped) {
      await unsubscribe();
      return;
    }
    this.#unsubscribe = unsubscribe;
    await this.reload(undefined);
  }

  /** Re-reads one stored agent, or all of them (`undefined`). Failures keep what was held and warn. */
  reload(name: string | undefined): Promise<void> {
    const next = this.#queue.then(() => this.#reload(name));
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Told after every reload; returns the function that stops telling. */
  onChanged(listener: AgentsReloadedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#listeners.clear();
    await this.#unsubscribe?.().catch(() => {});
  }

  async #reload(name: string | undefined): Promise<void> {
    const { repository, logger } = this.#options;
    if (!repository || this.#stopped) return;
    try {
      if (name === undefined) {
        const records = await repository.list();
        this.#stored.clear();
        for (const record of records) this.#hold(record);
      } else {
        const record = await repository.get(name);
        this.#stored.delete(name);
        if (record) this.#hold(record);
      }
    } catch (error) {
      logger.warn(
        { agent: name, err: error instanceof Error ? error.message : String(error) },
        "agents: could not reload from the database; keeping what was loaded",
      );
      return;
    }
    this.#rebuild();
    for (const listener of this.#listeners) listener(name);
  }

  /** Rows were checked when written; one edited by hand into a bad shape is left out, with a warning. */
  #hold(record: AgentRecord): void {
    const problems: string[] = [];
    const agent = checkAgent(
      { agent_name: record.name, agent_card_params: record.cardParams, litellm_params: record.litellmParams },
      "",
      { source: "store", report: (path, message) => problems.push(`${path}: ${message}`) },
    );
    if (agent) this.#stored.set(agent.name, agent);
    else
      this.#options.logger.warn(
        { agent: record.name, problems },
        "agents: a stored agent is invalid; not served",
      );
  }

  #rebuild(): void {
    const merged = new Map(this.#config);
    for (const [name, agent] of this.#stored) merged.set(name, agent);
    this.#byName = merged;
    this.#sorted = [...merged.values()].sort((left, right) =>
      left.name < right.name ? -1 : left.name > right.name ? 1 : 0,
    );
  }
}
