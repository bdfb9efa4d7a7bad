import { PRICE_KEYS } from "../accounting/model-price.js";

/**
 * `litellm_params` keys something in Switchyard reads, beyond those
 * validate-deployment checks itself: each provider's own (a provider that
 * reads a new key adds it here), prices, and LiteLLM's routing extras. Any
 * other key is named in the start-up warning of ignored keys.
 */
export const READ_PARAM_KEYS: ReadonlySet<string> = new Set([
  // Providers (src/providers/*): headers, Azure AD, Anthropic betas, Hugging Face tasks.
  "organization",
  "extra_headers",
  "azure_ad_token",
  "anthropic_beta",
  "max_tokens_field",
  "task",
  "chat_template",
  // Gemini and Vertex AI (src/providers/gemini, vertex).
  "safety_settings",
  "vertex_project",
  "vertex_location",
  "vertex_ai_project",
  "vertex_ai_location",
  "vertex_credentials",
  // Bedrock (src/providers/bedrock).
  "aws_access_key_id",
  "aws_secret_access_key",
  "aws_session_token",
  "aws_region_name",
  "aws_bedrock_runtime_endpoint",
  // Routing and accounting.
  "custom_llm_provider",
  "drop_params",
  "num_retries",
  "tags",
  "max_input_tokens",
  "max_output_tokens",
  ...PRICE_KEYS,
]);
