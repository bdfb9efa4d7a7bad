import { CallAccounting } from "../accounting/call-accounting.js";
import type { CallObserver } from "../accounting/call-record.js";
import { SpendLog } from "../accounting/spend-log.js";
import type { GatewayConfig } from "../config/config-types.js";
import { createTraceExporters, type TraceExporters } from "../integrations/otel/trace-exporters.js";
import { SpendRepository } from "../store/spend-repository.js";
import type { Store } from "../store/store.js";
import { AccessLog } from "./access-log.js";
import type { Logger } from "./logger.js";
import { GatewayMetrics } from "./metrics.js";

export interface CallObserversOptions {
  readonly config: GatewayConfig;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  readonly store?: Store;
  /** Settles true once the store's schema is current; the spend log writes only after. Default: at once. */
  readonly storeReady?: Promise<boolean>;
  /** Observers built elsewhere (the virtual keys' spend ledger), told about every call too. */
  readonly observers?: readonly CallObserver[];
  /**
   * The model groups metrics label by name (anything else is "unknown"); default the config's.
   * Read per call, so groups added later (stored models) may be added to it.
   */
  readonly modelGroups?: ReadonlySet<string>;
}

/** Everything told about finished calls, built once at start. */
export interface CallObservers {
  readonly accounting: CallAccounting;
  /** Prometheus metrics, scraped at GET /metrics. */
  readonly metrics: GatewayMetrics;
  /** The OpenTelemetry exporters (otel, levo) the callbacks name, with their drop counts. */
  readonly traces: TraceExporters;
  /** Flushes what is buffered (spend rows, spans) and stops timers. */
  close(): Promise<void>;
}

/**
 * Builds the observers the config asks for: metrics, the access log, the
 * spend log, and the trace exporters named in litellm_settings.callbacks.
 */
export function createCallObservers(options: CallObserversOptions): CallObservers {
  const { config, logger, store } = options;
  // First: a trace callback that cannot work is a ConfigError, thrown before anything starts timers.
  const traces = createTraceExporters({ config, env: options.env, logger });
  const observers: CallObserver[] = [];
  const closers: (() => Promise<void>)[] = [];
  const spendLog =
    store &&
    new SpendLog({
      writer: new SpendRepository(store),
      logger,
      flushIntervalMs: batchWriteIntervalMs(config, logger),
      ready: options.storeReady,
    });
  const metrics = new GatewayMetrics({
    modelGroups: options.modelGroups ?? new Set(config.modelList.map((entry) => entry.modelName)),
    // Read at scrape time, by when `accounting` exists.
    inFlight: () => accounting.inFlight,
    spendLog,
    traceDrops: () => traces.drops(),
  });
  observers.push(
    metrics,
    new AccessLog({ logger, messageContent: config.litellmSettings.log_message_content === true }),
  );
  observers.push(...traces.exporters);
  closers.push(() => traces.close());
  if (spendLog) {
    observers.push(spendLog);
    closers.push(() => spendLog.close());
  }
  if (options.observers) observers.push(...options.observers);
  const accounting = new CallAccounting(observers);
  return {
    accounting,
    metrics,
    traces,
    async close() {
      await Promise.allSettled(closers.map((close) => close()));
    },
  };
}

/** `general_settings.proxy_batch_write_at` (seconds, LiteLLM's name) in ms; default 1 s. */
function batchWriteIntervalMs(config: GatewayConfig, logger: Logger): number {
  const seconds = config.generalSettings.raw.proxy_batch_write_at;
  if (seconds === undefined) return 1000;
  if (typeof seconds === "number" && seconds > 0 && seconds <= 3600) return seconds * 1000;
  logger.warn(
    { proxy_batch_write_at: seconds },
    "general_settings.proxy_batch_write_at: expected seconds between 0 and 3600; using 1",
  );
  return 1000;
}
