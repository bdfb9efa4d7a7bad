import type { GatewayConfig } from "./config-types.js";
import { parseConfig } from "./load-config.js";

/** The demo's keyless models: mock responses, no network. */
const demoMockModelsYaml = `# Switchyard's built-in demo config (used when no --config is given).
# A LiteLLM-style config: each model_list entry is a deployment of the model
# group named by model_name; litellm_params.model is "provider/model".
model_list:
  - model_name: demo
    litellm_params:
      model: openai/demo
      mock_response: >-
        Hello from Switchyard's demo model! This is a canned reply; no real model was called.
        To add a real one, start Switchyard with --config pointing at a LiteLLM-style YAML file
        whose model_list has an entry such as model: openai/gpt-4o-mini with
        api_key: os.environ/OPENAI_API_KEY, or set OPENAI_API_KEY to try gpt-4o-mini here.
    model_info:
      id: demo
  - model_name: demo-haiku
    litellm_params:
      model: openai/demo-haiku
      mock_response: "One port, all models -\\nrequests switch at the yard's points,\\nall trains reach their stop."
    model_info:
      id: demo-haiku
`;

/** Listed only when OPENAI_API_KEY is set, so a bare machine never shows a model that cannot answer. */
const demoOpenAIModelYaml = `  - model_name: gpt-4o-mini
    litellm_params:
      model: openai/gpt-4o-mini
      api_key: os.environ/OPENAI_API_KEY
`;

/** The full demo config as YAML, a readable example docs can point to. */
export const demoConfigYaml = demoMockModelsYaml + demoOpenAIModelYaml;

/**
 * The built-in demo config, parsed by parseConfig so it goes through the same
 * checks as a file. Works without any key; adds `gpt-4o-mini` when
 * `OPENAI_API_KEY` is set in `env`.
 */
export function demoConfig(env: NodeJS.ProcessEnv): GatewayConfig {
  const text = env.OPENAI_API_KEY ? demoConfigYaml : demoMockModelsYaml;
  return parseConfig(text, { source: "demo", env });
}
