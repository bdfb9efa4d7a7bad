import { agentCardJson, type CardVersion } from "./agent-card.js";
import type { AgentDefinition } from "./agent-definition.js";

/** The fields that say how the caller authenticates: the same for every agent of the gateway. */
const SECURITY_FIELDS = ["securitySchemes", "securityRequirements", "security"];

/**
 * The gateway's own card at `/.well-known/agent-card.json` (and the v0.2
 * `/.well-known/agent.json`), for clients that only look at a host's root.
 * A2A has no directory format: each agent has its own card (our
 * `/a2a/{name}/.well-known/agent-card.json`), and a host of several agents
 * routes by path or tenant (the spec's multi-tenancy guide). So with one
 * agent the root card is that agent's card; with several it is a card of
 * the gateway whose skills are the agents (skill id = agent name, its card
 * URL in the description) and whose interfaces are each agent's JSON-RPC
 * endpoint, in the same order, so that whatever a client picks reaches a
 * real agent. Undefined when no agent is served.
 */
export function directoryCardJson(
  agents: readonly AgentDefinition[],
  baseUrl: string,
  options: { readonly bearer: boolean; readonly version: CardVersion },
): Record<string, unknown> | undefined {
  const [first] = agents;
  if (!first) return undefined;
  if (agents.length === 1) return agentCardJson(first, baseUrl, options);
  const sorted = [...agents].sort((left, right) => left.name.localeCompare(right.name));
  const cards = sorted.map((agent) => ({ agent, card: agentCardJson(agent, baseUrl, options) }));
  const urls = sorted.map((agent) => `${baseUrl}/a2a/${encodeURIComponent(agent.name)}`);
  const directory: Record<string, unknown> = {
    name: "Switchyard",
    description:
      "The A2A agents this gateway serves, one skill each; the skill id is the agent's name, " +
      `its own card is at ${baseUrl}/a2a/{id}/.well-known/agent-card.json.`,
    version: "1.0.0",
    capabilities: { streaming: true, pushNotifications: false },
    defaultInputModes: ["text/plain"],
    defaultOutputModes: ["text/plain"],
    skills: cards.map(({ agent, card }, index) => ({
      id: agent.name,
      name: typeof card.name === "string" ? card.name : agent.name,
      description:
        `${typeof card.description === "string" ? card.description : ""} (card: ${urls[index]}/.well-known/agent-card.json)`.trim(),
      tags: ["agent"],
    })),
  };
  if (options.version === "0.3") {
    directory.protocolVersion = "0.3.0";
    directory.url = urls[0];
    directory.preferredTransport = "JSONRPC";
    directory.additionalInterfaces = urls.map((url) => ({ url, transport: "JSONRPC" }));
  } else {
    directory.supportedInterfaces = urls.map((url) => ({
      url,
      protocolBinding: "JSONRPC",
      protocolVersion: "1.0",
    }));
  }
  const security = cards[0]?.card ?? {};
  for (const field of SECURITY_FIELDS) {
    if (field in security) directory[field] = security[field];
  }
  return directory;
}
