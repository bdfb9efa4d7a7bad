import { AgentCard } from "@a2a-js/sdk";
import type { AgentDefinition } from "./agent-definition.js";

/** Fields of agent_card_params that describe where and how the agent is reached: ours replace them. */
const TRANSPORT_FIELDS = new Set([
  "url",
  "preferredTransport",
  "protocolVersion",
  "additionalInterfaces",
  "supportedInterfaces",
  "securitySchemes",
  "security",
  "securityRequirements",
]);

/**
 * The agent's card as served by us: its own description and skills, with
 * every interface URL pointing at `{baseUrl}/a2a/{name}` so clients come
 * back through the gateway (also for remote agents), JSON-RPC in v1.0 and
 * v0.3, streaming on, push notifications off, and, when the gateway has a
 * key, the Bearer scheme required.
 *
 * `legacy` gives the v0.3 shape (top-level url, `type`-discriminated
 * security schemes) alongside the v1.0 fields, for clients that fetch the
 * card without `A2A-Version: 1.0`.
 */
export function agentCardJson(
  agent: AgentDefinition,
  baseUrl: string,
  options: { readonly bearer: boolean; readonly legacy: boolean },
): Record<string, unknown> {
  const url = `${baseUrl}/a2a/${encodeURIComponent(agent.name)}`;
  const params: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(agent.cardParams)) {
    if (!TRANSPORT_FIELDS.has(key)) params[key] = value;
  }
  const capabilities = isRecord(params.capabilities) ? params.capabilities : {};
  const card: Record<string, unknown> = {
    description: "",
    version: "1.0.0",
    defaultInputModes: ["text/plain"],
    defaultOutputModes: ["text/plain"],
    skills: [],
    ...params,
    name: typeof params.name === "string" ? params.name : agent.name,
    supportedInterfaces: [
      { url, protocolBinding: "JSONRPC", protocolVersion: "1.0" },
      { url, protocolBinding: "JSONRPC", protocolVersion: "0.3" },
    ],
    capabilities: { ...capabilities, streaming: true, pushNotifications: false },
  };
  if (options.legacy) {
    card.url = url;
    card.preferredTransport = "JSONRPC";
    card.protocolVersion = "0.3.0";
    if (options.bearer) {
      card.securitySchemes = { bearer: { type: "http", scheme: "bearer" } };
      card.security = [{ bearer: [] }];
    }
  } else if (options.bearer) {
    card.securitySchemes = { bearer: { httpAuthSecurityScheme: { scheme: "Bearer" } } };
    card.securityRequirements = [{ schemes: { bearer: { list: [] } } }];
  }
  return card;
}

/** The card in the SDK's types, for its request handler (version and capability checks). */
export function sdkAgentCard(agent: AgentDefinition, baseUrl: string, bearer: boolean): AgentCard {
  return AgentCard.fromJSON(agentCardJson(agent, baseUrl, { bearer, legacy: false }));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
