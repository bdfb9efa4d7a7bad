import { Code } from "@connectrpc/connect";
import { GatewayError } from "../../errors/gateway-error.js";
import type { UpstreamClient } from "../../http/upstream-client.js";
import { openAIHeaders } from "../openai/openai-headers.js";
import { createOpenAIProvider, type OpenAIEndpoint } from "../openai/openai-provider.js";
import { perTarget } from "../per-target.js";
import type { Provider } from "../provider.js";
import type { OpenAICompatibleProvider } from "./openai-compatible-providers.js";

/**
 * One row of the OpenAI-compatible table as a Provider: the OpenAI provider
 * with the row's base URL, headers and parameter names.
 *
 * The row's environment variables are read here, once, when the registry is
 * built at start: a deployment without `api_key` sends the key from
 * `apiKeyEnv`, one without `api_base` uses `apiBaseEnv`, then the row's
 * default. Per deployment, the base URL and headers are computed on first
 * use and kept.
 */
export function createOpenAICompatibleProvider(
  client: UpstreamClient,
  row: OpenAICompatibleProvider,
  env: NodeJS.ProcessEnv,
): Provider {
  const environmentKey = nonEmpty(row.apiKeyEnv === undefined ? undefined : env[row.apiKeyEnv]);
  const fallbackApiBase =
    nonEmpty(row.apiBaseEnv === undefined ? undefined : env[row.apiBaseEnv]) ?? row.defaultApiBase;
  const tableHeaders = lowerCaseKeys(row.extraHeaders);
  const apiBase = perTarget((target) => {
    const configured = target.apiBase ?? fallbackApiBase;
    if (configured === undefined) {
      const where = row.apiBaseEnv === undefined ? "" : ` or ${row.apiBaseEnv}`;
      throw new GatewayError({
        code: Code.FailedPrecondition,
        message: `deployment ${target.deploymentId}: ${row.name} needs litellm_params.api_base${where}`,
        httpStatus: 500,
      });
    }
    const base = configured.replace(trailingSlashes, "");
    return row.apiBaseSuffix !== undefined && !base.endsWith(row.apiBaseSuffix)
      ? base + row.apiBaseSuffix
      : base;
  });

  const headers = perTarget((target): Record<string, string> => {
    const headerSet = { ...tableHeaders, ...openAIHeaders(target) };
    if (headerSet.authorization === undefined && environmentKey !== undefined) {
      headerSet.authorization = `Bearer ${environmentKey}`;
    }
    return headerSet;
  });

  const provider = createOpenAIProvider(client, {
    name: row.name,
    endpointUrl: (target, endpoint: OpenAIEndpoint) => apiBase(target) + endpoint,
    headers,
    adaptBody: bodyAdapter(row),
  });
  const unsupported = new Set(row.unsupported);
  return {
    name: provider.name,
    chatCompletion: provider.chatCompletion,
    streamChatCompletion: provider.streamChatCompletion,
    ...(!unsupported.has("textCompletion") && {
      textCompletion: provider.textCompletion,
      streamTextCompletion: provider.streamTextCompletion,
    }),
    ...(!unsupported.has("embeddings") && { embeddings: provider.embeddings }),
    ...(!unsupported.has("relayJson") && {
      relayJson: provider.relayJson,
      speech: provider.speech,
      transcribe: provider.transcribe,
    }),
  };
}

const trailingSlashes = /\/+$/;

/**
 * The row's renames and drops as one pass over a body, or undefined when
 * the row has neither. A value the caller put under the new name already
 * (through extra_body) is kept, as extra_body wins everywhere else.
 */
function bodyAdapter(row: OpenAICompatibleProvider): ((body: Record<string, unknown>) => void) | undefined {
  const renames = Object.entries(row.parameterRenames ?? {});
  const drops = row.dropParameters ?? [];
  if (renames.length === 0 && drops.length === 0) return undefined;
  return (body) => {
    for (const [from, to] of renames) {
      if (body[from] === undefined) continue;
      if (body[to] === undefined) body[to] = body[from];
      delete body[from];
    }
    for (const name of drops) delete body[name];
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function lowerCaseKeys(headers: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) result[name.toLowerCase()] = value;
  return result;
}
