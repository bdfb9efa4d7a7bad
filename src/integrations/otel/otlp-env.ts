import { General } from "./gen-ai-attributes.js";
import { isHttpUrl, tracesEndpoint } from "./otlp-endpoint.js";
import type { ExportLimits, TraceDestination } from "./trace-destination.js";

/** What reading the environment found: problems stop the start, warnings are logged. Never hold values. */
export interface Findings {
  readonly problems: string[];
  readonly warnings: string[];
}

const DEFAULT_COLLECTOR = "http://localhost:4318";
/** In precedence order. */
const TIMEOUT_VARIABLES = [
  "OTEL_BSP_EXPORT_TIMEOUT",
  "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
  "OTEL_EXPORTER_OTLP_TIMEOUT",
];
/** In precedence order; the first is a full traces URL, the others collector base URLs. */
const ENDPOINT_VARIABLES = [
  "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_ENDPOINT",
];
const DEFAULT_SERVICE_NAME = "switchyard";

/**
 * The generic `otel` callback's destination from the standard variables:
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is, per the OTel spec), else
 * OTEL_EXPORTER_OTLP_ENDPOINT with the traces path added as LiteLLM adds it,
 * else the spec's default http://localhost:4318/v1/traces; headers from
 * OTEL_EXPORTER_OTLP_HEADERS overridden by OTEL_EXPORTER_OTLP_TRACES_HEADERS.
 * LiteLLM's older OTEL_ENDPOINT / OTEL_HEADERS are read when the standard
 * ones are unset.
 */
export function otelDestination(env: NodeJS.ProcessEnv, findings: Findings): TraceDestination | undefined {
  checkProtocol(env, findings);
  const variable = ENDPOINT_VARIABLES.find((name) => env[name]);
  const base = variable ? env[variable]! : DEFAULT_COLLECTOR;
  if (!isHttpUrl(base)) {
    findings.problems.push(`litellm_settings.callbacks: "otel" needs ${variable} to be an http(s) URL`);
    return undefined;
  }
  const headerVariable = env.OTEL_EXPORTER_OTLP_HEADERS ? "OTEL_EXPORTER_OTLP_HEADERS" : "OTEL_HEADERS";
  return {
    name: "otel",
    url: variable === "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" ? new URL(base).href : tracesEndpoint(base),
    headers: {
      ...keyValuePairs(env[headerVariable], headerVariable, findings),
      ...keyValuePairs(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS, "OTEL_EXPORTER_OTLP_TRACES_HEADERS", findings),
    },
    resource: resourceFromEnv(env, findings),
  };
}

/**
 * Resource attributes every destination shares: OTEL_RESOURCE_ATTRIBUTES,
 * then OTEL_SERVICE_NAME (default "switchyard") as service.name.
 */
export function resourceFromEnv(env: NodeJS.ProcessEnv, findings: Findings): Record<string, string> {
  return {
    ...keyValuePairs(env.OTEL_RESOURCE_ATTRIBUTES, "OTEL_RESOURCE_ATTRIBUTES", findings),
    [General.serviceName]: env.OTEL_SERVICE_NAME || DEFAULT_SERVICE_NAME,
  };
}

/**
 * Queue and time bounds, from the standard OTEL_BSP_* variables; the export
 * timeout from the first of OTEL_BSP_EXPORT_TIMEOUT,
 * OTEL_EXPORTER_OTLP_TRACES_TIMEOUT, OTEL_EXPORTER_OTLP_TIMEOUT that is set
 * (one value bounds both the batch and its HTTP request). Defaults keep the
 * OTel queue and batch sizes but a short timeout (5 s rather than 30 s), so
 * a dead collector holds few exports open and delays a shutdown little.
 */
export function exportLimits(env: NodeJS.ProcessEnv, findings: Findings): ExportLimits {
  const number = (name: string, fallback: number) => positiveInteger(env, name, fallback, findings);
  const timeoutVariable = TIMEOUT_VARIABLES.find((name) => env[name]?.trim()) ?? "OTEL_EXPORTER_OTLP_TIMEOUT";
  const maxQueueSize = number("OTEL_BSP_MAX_QUEUE_SIZE", 2048);
  return {
    maxQueueSize,
    maxExportBatchSize: Math.min(number("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512), maxQueueSize),
    scheduledDelayMillis: number("OTEL_BSP_SCHEDULE_DELAY", 5000),
    exportTimeoutMillis: number(timeoutVariable, 5000),
    concurrencyLimit: 4,
  };
}

/**
 * This build sends OTLP/HTTP with JSON bodies (what the installed exporter
 * speaks). Collectors take JSON and protobuf on the same /v1/traces path, so
 * http/protobuf only warns; gRPC needs another port and protocol, so it stops.
 */
function checkProtocol(env: NodeJS.ProcessEnv, findings: Findings): void {
  const name = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL
    ? "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
    : "OTEL_EXPORTER_OTLP_PROTOCOL";
  const protocol = env[name]?.trim().toLowerCase();
  if (!protocol || protocol === "http/json") return;
  if (protocol === "grpc") {
    findings.problems.push(
      `${name}=grpc is not supported: use the collector's OTLP/HTTP endpoint (port 4318) with http/json`,
    );
  } else {
    findings.warnings.push(
      `${name}=${protocol}: spans are sent as OTLP/HTTP JSON, which collectors also accept`,
    );
  }
}

/**
 * `k1=v1,k2=v2` as the OTel spec writes headers and resource attributes:
 * split at the first `=`, trimmed, values URL-decoded where they are encoded.
 * A malformed entry is a problem named by position, never by its text
 * (header values are credentials).
 */
function keyValuePairs(
  text: string | undefined,
  variable: string,
  findings: Findings,
): Record<string, string> {
  const pairs: Record<string, string> = {};
  if (!text?.trim()) return pairs;
  text.split(",").forEach((entry, index) => {
    if (!entry.trim()) return;
    const separator = entry.indexOf("=");
    const key = entry.slice(0, separator).trim();
    if (separator <= 0 || !key) {
      findings.problems.push(`${variable}: entry ${index + 1} is not name=value`);
      return;
    }
    pairs[decoded(key)] = decoded(entry.slice(separator + 1).trim());
  });
  return pairs;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, findings: Findings): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (Number.isInteger(value) && value > 0) return value;
  findings.problems.push(`${name}: expected a positive whole number, got "${text}"`);
  return fallback;
}
