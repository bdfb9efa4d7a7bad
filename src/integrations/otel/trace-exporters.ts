import { ConfigError } from "../../config/config-error.js";
import type { GatewayConfig } from "../../config/config-types.js";
import type { Logger } from "../../observability/logger.js";
import { levoDestination } from "../levo/levo-destination.js";
import { describeEndpoint } from "./otlp-endpoint.js";
import { exportLimits, type Findings, otelDestination } from "./otlp-env.js";
import type { TraceDestination } from "./trace-destination.js";
import { type SpanDrops, TraceExporter } from "./trace-exporter.js";
import { capturesMessageContent, type TraceCallback, traceCallbacks } from "./trace-settings.js";

export interface TraceExportersOptions {
  readonly config: GatewayConfig;
  /** The environment with the config's environment_variables filled in. */
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
}

/** The trace callbacks the config names, built once at start. */
export interface TraceExporters {
  /** One call observer per callback; empty when none is configured. */
  readonly exporters: readonly TraceExporter[];
  /** Spans each exporter lost so far, by cause: for metrics and tests. */
  drops(): SpanDrops[];
  /** Flushes every exporter, each within its export timeout. */
  close(): Promise<void>;
}

const destinations: Readonly<
  Record<TraceCallback, (env: NodeJS.ProcessEnv, findings: Findings) => TraceDestination | undefined>
> = {
  otel: otelDestination,
  levo: levoDestination,
};

const NO_EXPORTERS: TraceExporters = { exporters: [], drops: () => [], close: async () => {} };

/**
 * Builds an exporter for each trace callback in litellm_settings (`otel`,
 * `levo`). A callback that cannot work — a missing LEVOAI_* variable, a bad
 * endpoint — is a ConfigError naming the variable (never its value), so the
 * gateway does not start without the traces it was asked for.
 */
export function createTraceExporters(options: TraceExportersOptions): TraceExporters {
  const { config, env, logger } = options;
  const settings = config.litellmSettings;
  const findings: Findings = { problems: [], warnings: [] };
  const uses = traceCallbacks(settings, findings);
  // OTEL_* variables matter only to a configured callback: without one they are not even read.
  if (uses.length === 0 && findings.problems.length === 0) return NO_EXPORTERS;
  const built = uses.flatMap((use) => {
    const destination = destinations[use.name](env, findings);
    return destination ? [{ use, destination }] : [];
  });
  const limits = exportLimits(env, findings);
  // Both destinations read the shared variables, so one bad value may be found twice.
  if (findings.problems.length > 0) throw new ConfigError([...new Set(findings.problems)], config.source);
  for (const warning of new Set(findings.warnings)) logger.warn(warning);
  const captureContent = capturesMessageContent(settings, env);

  const exporters = built.map(({ use, destination }) => {
    logger.info(
      {
        exporter: destination.name,
        endpoint: describeEndpoint(destination.url),
        calls: use.success && use.failure ? "all" : use.success ? "successful" : "failed",
        messageContent: captureContent,
      },
      "traces: exporting a span per call over OTLP/HTTP",
    );
    return new TraceExporter({
      destination,
      limits,
      success: use.success,
      failure: use.failure,
      captureContent,
      logger,
    });
  });
  return {
    exporters,
    drops: () => exporters.map((exporter) => exporter.drops),
    async close() {
      await Promise.all(exporters.map((exporter) => exporter.close()));
    },
  };
}
