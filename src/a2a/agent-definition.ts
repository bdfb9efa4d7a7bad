/**
 * One A2A agent the gateway serves at `/a2a/{name}`: from the YAML `agents`
 * list or created through AgentService. Checked before it gets here (see
 * src/config/validate-agents.ts), so the protocol side trusts its shape.
 */
export interface AgentDefinition {
  /** agent_name; served at /a2a/{name}. */
  readonly name: string;
  /** agent_card_params as written. */
  readonly cardParams: Readonly<Record<string, unknown>>;
  /** litellm_params.model: a model group of ours; absent → remote agent at cardParams.url. */
  readonly model?: string;
  /** litellm_params.system_prompt. */
  readonly systemPrompt?: string;
  readonly source: "config" | "store";
}
