import type { AgentDefinition } from "../a2a/agent-definition.js";
import type { ConfigDiagnostics } from "./config-diagnostics.js";
import { forEachMapping, ListNames } from "./config-lists.js";
import { childPath, isMapping } from "./config-tree.js";
import { describeValue } from "./field-checks.js";

/** An agent as written: YAML entry or AgentService message, before checking. */
export interface RawAgent {
  readonly agent_name?: unknown;
  readonly agent_card_params?: unknown;
  readonly litellm_params?: unknown;
}

export interface CheckAgentOptions {
  readonly source: AgentDefinition["source"];
  /**
   * Model groups litellm_params.model may name. Absent: not checked (stored
   * agents re-read at start, whose model group may have left the YAML since).
   */
  readonly modelGroups?: Pick<ReadonlySet<string>, "has">;
  /** Told `(path, message)` for each problem; paths are in LiteLLM's words, under `path`. */
  readonly report: (path: string, message: string) => void;
}

// The name is a URL path segment (/a2a/{name}) and a primary key: no slashes, spaces or escapes.
const agentNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Checks one agent, found at `path` (`agents[0]`, or `agent` in an RPC).
 * Returns the definition when nothing was reported. An agent is either backed
 * by one of our model groups (litellm_params.model) or a remote A2A agent
 * reached at agent_card_params.url; the card needs a name either way.
 */
export function checkAgent(
  raw: RawAgent,
  path: string,
  options: CheckAgentOptions,
): AgentDefinition | undefined {
  const { report } = options;
  let valid = true;
  const problem = (key: string, message: string) => {
    valid = false;
    report(childPath(path, key), message);
  };

  const name = raw.agent_name;
  if (name === undefined || name === null || name === "") problem("agent_name", "required");
  else if (typeof name !== "string")
    problem("agent_name", `expected a string, got ${describeValue(name, false)}`);
  else if (!agentNamePattern.test(name)) {
    problem("agent_name", `${describeValue(name, false)} may hold only letters, digits, ".", "_" and "-"`);
  }

  const card = raw.agent_card_params;
  let url: unknown;
  if (card === undefined || card === null) problem("agent_card_params", "required");
  else if (!isMapping(card))
    problem("agent_card_params", `expected a mapping, got ${describeValue(card, false)}`);
  else {
    if (typeof card.name !== "string" || card.name.trim() === "") {
      problem("agent_card_params.name", card.name === undefined ? "required" : "expected a non-empty string");
    }
    url = card.url;
    if (url !== undefined && url !== null && !isHttpUrl(url)) {
      problem("agent_card_params.url", `expected an http(s) URL, got ${describeValue(url, false)}`);
    }
  }

  const params = raw.litellm_params ?? {};
  let model: unknown;
  let systemPrompt: unknown;
  if (!isMapping(params)) {
    problem("litellm_params", `expected a mapping, got ${describeValue(params, false)}`);
  } else {
    model = params.model;
    systemPrompt = params.system_prompt;
    if (model !== undefined && model !== null) {
      if (typeof model !== "string" || model.trim() === "") {
        problem("litellm_params.model", `expected a model group name, got ${describeValue(model, false)}`);
      } else if (options.modelGroups && !options.modelGroups.has(model)) {
        problem("litellm_params.model", `unknown model group ${JSON.stringify(model)}`);
      }
    }
    if (systemPrompt !== undefined && systemPrompt !== null && typeof systemPrompt !== "string") {
      problem("litellm_params.system_prompt", `expected a string, got ${describeValue(systemPrompt, false)}`);
    }
  }
  const hasModel = typeof model === "string" && model !== "";
  if (!hasModel && (url === undefined || url === null) && isMapping(card) && isMapping(params)) {
    valid = false;
    report(
      path === "" ? "agent" : path,
      "needs litellm_params.model (a model group of ours) or agent_card_params.url (a remote A2A agent)",
    );
  }
  if (!valid || typeof name !== "string" || !isMapping(card)) return undefined;
  return {
    name,
    cardParams: card,
    ...(hasModel && { model: model as string }),
    ...(typeof systemPrompt === "string" && { systemPrompt }),
    source: options.source,
  };
}

/** The YAML `agents` list: each entry checked, names unique. */
export function validateAgents(
  entries: readonly unknown[],
  modelGroups: ReadonlySet<string>,
  diagnostics: ConfigDiagnostics,
): AgentDefinition[] {
  const agents: AgentDefinition[] = [];
  const names = new ListNames("agents", diagnostics);
  forEachMapping(entries, "agents", diagnostics, (entry, path, index) => {
    const name = entry.agent_name;
    if (typeof name === "string" && name !== "") {
      if (!names.claim(name, index, childPath(path, "agent_name"), "name")) return;
    }
    const agent = checkAgent(entry, path, {
      source: "config",
      modelGroups,
      report: (at, message) => diagnostics.problem(at, message),
    });
    if (agent) agents.push(agent);
  });
  return agents;
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== "string") return false;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}
