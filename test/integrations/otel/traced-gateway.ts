import OpenAI from "openai";
import { pino } from "pino";
import type { Logger } from "../../../src/observability/logger.js";
import type { FakeOpenAI } from "../../fakes/openai-upstream.js";
import { MASTER_KEY } from "../../helpers/master-key.js";
import { type RunningGateway, startGateway } from "../../helpers/start-gateway.js";

/** Marker secrets: none may reach a collector except the Levo key, and that only in its header. */
export const UPSTREAM_KEY = "sk-upstream-marker-7b21aa";
export const LEVO_KEY = "levo-key-marker-5d8e0b";

/** The LEVOAI_* variables for a collector, as a Levo customer sets them. */
export function levoEnv(collectorUrl: string): NodeJS.ProcessEnv {
  return {
    LEVOAI_API_KEY: LEVO_KEY,
    LEVOAI_ORG_ID: "org-42",
    LEVOAI_WORKSPACE_ID: "ws-7",
    LEVOAI_COLLECTOR_URL: collectorUrl,
  };
}

export interface TracedGateway {
  readonly gateway: RunningGateway;
  readonly client: OpenAI;
  /** Stops the gateway, which flushes its spans: afterwards the collector has them all. Idempotent. */
  close(): Promise<void>;
}

/**
 * A gateway in front of the fake OpenAI upstream with the given
 * `litellm_settings` lines (YAML, indented by two) and optional
 * `environment_variables` lines. Model groups: gpt-test (gpt-4o-mini),
 * bad-request (the upstream answers 400), embed (text-embedding-3-small).
 */
export async function startTracedGateway(options: {
  upstream: FakeOpenAI;
  litellmSettings: string;
  environmentVariables?: string;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}): Promise<TracedGateway> {
  const entry = (name: string, model: string) =>
    `  - model_name: ${name}\n    litellm_params:\n      model: openai/${model}\n      api_base: ${options.upstream.url}\n      api_key: os.environ/UPSTREAM_KEY`;
  const yaml = [
    "general_settings:",
    "  master_key: os.environ/TEST_MASTER_KEY",
    "model_list:",
    entry("gpt-test", "gpt-4o-mini"),
    entry("bad-request", "error-400"),
    entry("embed", "text-embedding-3-small"),
    "litellm_settings:",
    options.litellmSettings,
    ...(options.environmentVariables ? ["environment_variables:", options.environmentVariables] : []),
  ].join("\n");
  const gateway = await startGateway(
    yaml,
    { UPSTREAM_KEY, TEST_MASTER_KEY: MASTER_KEY, ...options.env },
    options.logger,
  );
  let closed: Promise<void> | undefined;
  return {
    gateway,
    client: new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 }),
    close() {
      closed ??= gateway.close();
      return closed;
    },
  };
}

/** A real pino logger whose lines land in `lines`, parsed. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: "info" },
    {
      write(line: string) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  return { logger, lines };
}
