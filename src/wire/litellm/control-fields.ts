import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { type CacheRequestControl, readCacheControl } from "../../cache/cache-control.js";
import { GatewayError } from "../../errors/gateway-error.js";

/**
 * Body fields that are LiteLLM's, not the provider's: read by the gateway
 * or meaningless upstream, so never forwarded (a real provider rejects some).
 * From litellm/proxy and litellm/main.py (`litellm_params` of completion()).
 */
export const LITELLM_ONLY_FIELDS: ReadonlySet<string> = new Set([
  "fallbacks",
  "context_window_fallbacks",
  "content_policy_fallbacks",
  "num_retries",
  "max_retries",
  "timeout",
  "request_timeout",
  "mock_response",
  "mock_timeout",
  "mock_tool_calls",
  "mock_testing_fallbacks",
  "mock_testing_rate_limit_error",
  "mock_testing_context_window_fallbacks",
  "mock_testing_content_policy_fallbacks",
  "tags",
  "user_config",
  "litellm_metadata",
  "litellm_call_id",
  "litellm_trace_id",
  "litellm_session_id",
  "caching",
  "cache",
  "ttl",
  "no-log",
  "guardrails",
  "drop_params",
  "additional_drop_params",
  "api_base",
  "base_url",
  "api_key",
  "api_version",
  "input_cost_per_token",
  "output_cost_per_token",
  "model_list",
  "proxy_server_request",
  "secret_fields",
]);

/**
 * LiteLLM's per-request control fields (`fallbacks`, `num_retries`,
 * `timeout`, `mock_response`, `mock_testing_*`, `tags`), read by the REST
 * doors from the body and handed to the Completion service through the
 * handler context. They steer the call and are never sent upstream.
 */
export interface CallControl {
  /** Model groups to try, in order, when the requested one fails (replaces configured fallbacks). */
  readonly fallbacks?: readonly string[];
  /** Retries within the group, instead of the configured num_retries. */
  readonly numRetries?: number;
  /** Deadline of each attempt, ms, instead of the deployment's timeout. */
  readonly timeoutMs?: number;
  /** Answer with this text and call no upstream. */
  readonly mockResponse?: string;
  /** Fail the requested group at once, so the fallbacks answer (LiteLLM's fallback test). */
  readonly mockTestingFallbacks?: boolean;
  /** Answer with a 429 rate-limit error and call no upstream. */
  readonly mockTestingRateLimitError?: boolean;
  /** Request tags (kept for logs). */
  readonly tags?: readonly string[];
  /** The request's `cache: {…}` controls (src/cache/). */
  readonly cache?: CacheRequestControl;
  /** Guardrails the request asks for by name (`guardrails`, or `metadata.guardrails`), beside the default-on ones. */
  readonly guardrails?: readonly string[];
}

/** A client's body decoded by a REST door: the proto request, and LiteLLM's control fields apart from it. */
export interface DecodedRequest<Request> {
  /** LiteLLM's control fields of the body (fallbacks, num_retries, mock_response, …); never sent upstream. */
  control?: CallControl;
  request: Request;
}

/** Reads the control fields the gateway honours; a wrong type is a 400 naming the field. */
export function readCallControl(body: JsonObject): CallControl | undefined {
  let control: { -readonly [Key in keyof CallControl]: CallControl[Key] } | undefined;
  const set = <Key extends keyof CallControl>(key: Key, value: CallControl[Key]) => {
    control ??= {};
    control[key] = value;
  };
  const fallbacks = body.fallbacks;
  if (fallbacks !== undefined && fallbacks !== null) set("fallbacks", stringList(fallbacks, "fallbacks"));
  const retries = body.num_retries;
  if (retries !== undefined && retries !== null) {
    if (typeof retries !== "number" || !Number.isInteger(retries) || retries < 0) {
      throw invalid("num_retries", "a non-negative integer");
    }
    set("numRetries", retries);
  }
  const timeout = body.timeout ?? body.request_timeout;
  if (timeout !== undefined && timeout !== null) {
    if (typeof timeout !== "number" || !(timeout > 0))
      throw invalid("timeout", "a positive number of seconds");
    set("timeoutMs", timeout * 1000);
  }
  const mock = body.mock_response;
  if (mock !== undefined && mock !== null) {
    if (typeof mock !== "string") throw invalid("mock_response", "a string");
    set("mockResponse", mock);
  }
  if (body.mock_testing_fallbacks === true) set("mockTestingFallbacks", true);
  if (body.mock_testing_rate_limit_error === true) set("mockTestingRateLimitError", true);
  const tags = body.tags;
  if (tags !== undefined && tags !== null) set("tags", stringList(tags, "tags"));
  const cache = readCacheControl(body.cache);
  if (cache !== undefined) set("cache", cache);
  const metadata = body.metadata;
  const guardrails =
    body.guardrails ??
    (metadata !== null && typeof metadata === "object" && !Array.isArray(metadata)
      ? metadata.guardrails
      : undefined);
  if (guardrails !== undefined && guardrails !== null) set("guardrails", guardrailNames(guardrails));
  return control;
}

/** LiteLLM takes names, or `{name: {extra_body…}}` mappings (per-request parameters, not used here). */
function guardrailNames(value: JsonValue): string[] {
  if (!Array.isArray(value)) throw invalid("guardrails", "a list of guardrail names");
  return value.flatMap((item, index) => {
    if (typeof item === "string") return [item];
    if (item !== null && typeof item === "object" && !Array.isArray(item)) return Object.keys(item);
    throw invalid(`guardrails[${index}]`, "a guardrail name");
  });
}

function stringList(value: JsonValue, field: string): string[] {
  if (typeof value === "string") return [value];
  if (!Array.isArray(value)) throw invalid(field, "an array of strings");
  return value.map((item, index) => {
    // LiteLLM also takes `fallbacks: [{"model": "group"}]` (a dict per entry).
    if (typeof item === "string") return item;
    if (item !== null && typeof item === "object" && !Array.isArray(item) && typeof item.model === "string") {
      return item.model;
    }
    throw invalid(`${field}[${index}]`, "a string");
  });
}

function invalid(field: string, expected: string): GatewayError {
  return GatewayError.invalidArgument(`'${field}' must be ${expected}`, field);
}
