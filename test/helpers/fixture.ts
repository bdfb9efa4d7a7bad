import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "./master-key.js";
import { type RunningGateway, startGateway } from "./start-gateway.js";

export const UPSTREAM_KEY = "sk-upstream-test-key";

export interface Fixture {
  readonly upstream: FakeOpenAI;
  readonly gateway: RunningGateway;
  close(): Promise<void>;
}

/**
 * A fake OpenAI upstream and a gateway in front of it. Each model group maps
 * to one of the fake's behaviours by the upstream model name.
 */
export async function startFixture(extraModels = ""): Promise<Fixture> {
  const upstream = await startFakeOpenAI({ apiKey: UPSTREAM_KEY });
  const entry = (name: string, model: string, extra = "") =>
    `  - model_name: ${name}\n    litellm_params:\n      model: openai/${model}\n      api_base: ${upstream.url}\n      api_key: os.environ/UPSTREAM_KEY\n${extra}`;
  const yaml = [
    "general_settings:",
    "  master_key: os.environ/TEST_MASTER_KEY",
    "model_list:",
    entry("gpt-test", "gpt-4o-mini"),
    entry("server-error", "error-500"),
    entry("rate-limited", "error-429-1500"),
    entry("bad-request", "error-400"),
    entry("slow", "slow-5000", "      timeout: 0.2\n"),
    entry("hanging", "hang"),
    entry("reset", "reset"),
    entry("broken-stream", "error-mid-stream"),
    entry("malformed-stream", "malformed-sse"),
    entry("slow-stream", "slow-stream-30"),
    "  - model_name: canned",
    "    litellm_params:",
    "      model: openai/gpt-4o",
    "      mock_response: Hello from the canned model.",
    extraModels,
  ].join("\n");
  const gateway = await startGateway(yaml, { UPSTREAM_KEY, TEST_MASTER_KEY: MASTER_KEY });
  return {
    upstream,
    gateway,
    async close() {
      await gateway.close();
      await upstream.close();
    },
  };
}
