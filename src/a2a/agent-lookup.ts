import type { AgentDefinition } from "./agent-definition.js";

/** What the protocol needs of the agent registry: the agent a path names, now, and every agent (the root card). */
export interface AgentLookup {
  get(name: string): AgentDefinition | undefined;
  list(): readonly AgentDefinition[];
}
