/**
 * A gateway config with two model-backed agents on a fake OpenAI upstream:
 * `echo` answers at once, `waiting` never finishes by itself (the fake's
 * `hang` model), so its tasks stay WORKING until they are canceled; `slow`
 * echoes too, its stream's chunks 20 ms apart.
 */
export function echoAndWaitingAgents(key: string, upstreamUrl: string): string {
  return `
general_settings: { master_key: ${key} }
model_list:
  - model_name: chat
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstreamUrl}, api_key: sk-up }
  - model_name: never
    litellm_params: { model: openai/hang, api_base: ${upstreamUrl}, api_key: sk-up }
  - model_name: dawdling
    litellm_params: { model: openai/slow-stream-20, api_base: ${upstreamUrl}, api_key: sk-up }
agents:
  - agent_name: echo
    agent_card_params: { name: Echo, description: Echoes }
    litellm_params: { model: chat }
  - agent_name: waiting
    agent_card_params: { name: Waiting, description: Never finishes by itself }
    litellm_params: { model: never }
  - agent_name: slow
    agent_card_params: { name: Slow, description: Echoes, one chunk at a time }
    litellm_params: { model: dawdling }
`;
}
