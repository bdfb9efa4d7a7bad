import { AgentCard } from "@a2a-js/sdk";
import type { AgentDefinition } from "./agent-definition.js";

/** The A2A versions a card is served in. */
export type CardVersion = "1.0" | "0.3";

/**
 * Fields of agent_card_params that say where and how the agent is reached
 * (ours replace them), or that only one version's card has (each card gets
 * its own): a strict validator of either version rejects the other's fields.
 */
const REPLACED_FIELDS = new Set([
  "url",
  "preferredTransport",
  "protocolVersion",
  "additionalInterfaces",
  "supportedInterfaces",
  "securitySchemes",
  "security",
  "securityRequirements",
  "supportsAuthenticatedExtendedCard",
]);

/** Capability flags of v0.3 that v1.0 removed. */
const V03_ONLY_CAPABILITIES = new Set(["stateTransitionHistory"]);

/**
 * The agent's card as served by us: its own description and skills, with
 * every interface URL pointing at `{baseUrl}/a2a/{name}` so clients come
 * back through the gateway (also for remote agents), streaming on, push
 * notifications off, and, when the gateway has a key, the Bearer scheme
 * required.
 *
 * Version 1.0 lists the interfaces in `supportedInterfaces` (JSON-RPC in 1.0
 * first, the preferred one, then HTTP+JSON, then gRPC, then JSON-RPC in 0.3); version 0.3 has the
 * top-level `url`, `preferredTransport`, `protocolVersion` and
 * `type`-discriminated security schemes instead.
 */
export function agentCardJson(
  agent: AgentDefinition,
  baseUrl: string,
  options: { readonly bearer: boolean; readonly version: CardVersion },
): Record<string, unknown> {
  const url = `${baseUrl}/a2a/${encodeURIComponent(agent.name)}`;
  const params: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(agent.cardParams)) {
    if (!REPLACED_FIELDS.has(key)) params[key] = value;
  }
  const capabilities: Record<string, unknown> = {};
  if (isRecord(params.capabilities)) {
    for (const [key, value] of Object.entries(params.capabilities)) {
      if (options.version === "0.3" || !V03_ONLY_CAPABILITIES.has(key)) capabilities[key] = value;
    }
  }
  const card: Record<string, unknown> = {
    description: "",
    version: "1.0.0",
    defaultInputModes: ["text/plain"],
    defaultOutputModes: ["text/plain"],
    skills: [],
    ...params,
    name: typeof params.name === "string" ? params.name : agent.name,
    capabilities: { ...capabilities, streaming: true, pushNotifications: false },
  };
  if (options.version === "0.3") {
    card.protocolVersion = "0.3.0";
    card.url = url;
    card.preferredTransport = "JSONRPC";
    card.additionalInterfaces = [{ url, transport: "JSONRPC" }];
    if (options.bearer) {
      card.securitySchemes = { bearer: { type: "http", scheme: "bearer" } };
      card.security = [{ bearer: [] }];
    }
    return card;
  }
  card.supportedInterfaces = [
    { url, protocolBinding: "JSONRPC", protocolVersion: "1.0" },
    { url, protocolBinding: "HTTP+JSON", protocolVersion: "1.0" },
    { url: grpcAddress(baseUrl), protocolBinding: "GRPC", protocolVersion: "1.0", tenant: agent.name },
    { url, protocolBinding: "JSONRPC", protocolVersion: "0.3" },
  ];
  if (options.bearer) {
    card.securitySchemes = { bearer: { httpAuthSecurityScheme: { scheme: "Bearer" } } };
    card.securityRequirements = [{ schemes: { bearer: { list: [] } } }];
  }
  return card;
}

/** The card in the SDK's types, for its request handler (version and capability checks). */
export function sdkAgentCard(agent: AgentDefinition, baseUrl: string, bearer: boolean): AgentCard {
  return AgentCard.fromJSON(agentCardJson(agent, baseUrl, { bearer, version: "1.0" }));
}

/**
 * The gRPC address ("host:port", as the spec writes gRPC interface URLs) of
 * the gateway's port. gRPC has no per-agent path: the interface's `tenant`
 * (the agent's name) picks the agent, see a2a-grpc-service.ts.
 */
function grpcAddress(baseUrl: string): string {
  const url = new URL(baseUrl);
  return `${url.hostname}:${url.port || (url.protocol === "https:" ? "443" : "80")}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
