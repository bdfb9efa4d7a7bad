import type { MeterProvider, Tracer } from "@opentelemetry/api";
import type { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import type { BasicTracerProvider, BufferConfig } from "@opentelemetry/sdk-trace-base";
import type { CallObserver, CallRecord } from "../../accounting/call-record.js";
import type { Logger } from "../../observability/logger.js";
import { callSpan } from "./call-span.js";
import { type OtelSdk, otelSdk } from "./otel-sdk.js";
import { queueDropMeterProvider } from "./queue-drop-meter.js";
import type { ExportLimits, TraceDestination } from "./trace-destination.js";
import { WatchedExporter } from "./watched-exporter.js";

export interface TraceExporterOptions {
  readonly destination: TraceDestination;
  readonly limits: ExportLimits;
  /** Which calls to export: LiteLLM's callbacks / success_callback / failure_callback. */
  readonly success: boolean;
  readonly failure: boolean;
  readonly captureContent: boolean;
  readonly logger: Logger;
}

/** Spans one exporter lost, by cause; counts only grow. */
export interface SpanDrops {
  readonly exporter: string;
  /** Dropped at the door because the export queue was full (the collector is slow or down). */
  readonly queueFull: number;
  /** Sent in an export that failed. */
  readonly exportFailed: number;
}

/**
 * One trace callback: every call it covers becomes a span (kind CLIENT) on a
 * tracer provider of its own — never the global one, so several gateways (and
 * tests) each export where they were told to. Spans are batched by the SDK's
 * BatchSpanProcessor and sent by the OTLP/HTTP (JSON) exporter; nothing of
 * it runs on the request path (see `record`).
 */
export class TraceExporter implements CallObserver {
  readonly name: string;
  readonly wantsContent: boolean;
  readonly #options: TraceExporterOptions;
  readonly #sdk: OtelSdk;
  readonly #provider: BasicTracerProvider;
  readonly #tracer: Tracer;
  readonly #exporter: WatchedExporter;
  /** Calls recorded since the last drain. */
  #pending: CallRecord[] = [];
  #queueFull = 0;
  #closed: Promise<void> | undefined;

  constructor(options: TraceExporterOptions) {
    const { destination, limits } = options;
    const sdk = otelSdk();
    this.name = destination.name;
    this.wantsContent = options.captureContent;
    this.#options = options;
    this.#sdk = sdk;
    this.#exporter = new WatchedExporter(otlpExporter(sdk, destination, limits), destination, options.logger);
    // selfObsMeterProvider is not in sdk-trace-base's BufferConfig type, but its
    // BatchSpanProcessor hands every option to sdk-trace's, which reads it.
    const processorOptions: BufferConfig & { selfObsMeterProvider: MeterProvider } = {
      maxQueueSize: limits.maxQueueSize,
      maxExportBatchSize: limits.maxExportBatchSize,
      scheduledDelayMillis: limits.scheduledDelayMillis,
      exportTimeoutMillis: limits.exportTimeoutMillis,
      selfObsMeterProvider: queueDropMeterProvider((count) => {
        this.#queueFull += count;
      }),
    };
    const { defaultResource, resourceFromAttributes } = sdk.resources;
    this.#provider = new sdk.trace.BasicTracerProvider({
      resource: defaultResource().merge(resourceFromAttributes(destination.resource)),
      sampler: new sdk.trace.AlwaysOnSampler(),
      spanProcessors: [new sdk.trace.BatchSpanProcessor(this.#exporter, processorOptions)],
    });
    this.#tracer = this.#provider.getTracer("switchyard");
  }

  /**
   * Queues the call's span. Building a span costs the SDK tens of
   * microseconds, so it happens on the next turn of the event loop, after
   * the answer is on its way, for every call recorded meanwhile at once.
   */
  record(call: CallRecord): void {
    if (!(call.error ? this.#options.failure : this.#options.success)) return;
    if (this.#pending.push(call) === 1) setImmediate(this.#drain);
  }

  readonly #drain = (): void => {
    const calls = this.#pending;
    this.#pending = [];
    for (const call of calls) {
      try {
        this.#export(call);
      } catch (error) {
        // Off the request now, so nobody else would catch it; one bad record must not cost the others.
        this.#options.logger.warn(
          { exporter: this.name, err: String(error) },
          "traces: could not build a span",
        );
      }
    }
  };

  #export(call: CallRecord): void {
    const described = callSpan(call, this.#options.captureContent);
    const { SpanKind, SpanStatusCode } = this.#sdk.api;
    const span = this.#tracer.startSpan(described.name, {
      kind: SpanKind.CLIENT,
      startTime: described.startTime,
      attributes: described.attributes,
      root: true,
    });
    if (described.errorMessage !== undefined) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: described.errorMessage });
    }
    span.end(described.endTime);
  }

  get drops(): SpanDrops {
    return { exporter: this.name, queueFull: this.#queueFull, exportFailed: this.#exporter.failedSpans };
  }

  /**
   * Sends what is queued and stops, within one export timeout: a dead
   * collector delays a shutdown by that much at most, and what it did not
   * take is lost.
   */
  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  async #shutdown(): Promise<void> {
    // Immediates run in order: once this one has, the spans of every call recorded before are queued.
    await new Promise((resolve) => setImmediate(resolve));
    const deadline = this.#options.limits.exportTimeoutMillis;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deadline);
    });
    const finished = this.#provider
      .forceFlush({ timeoutMillis: deadline })
      .then(() => this.#provider.shutdown())
      .catch(() => {
        // Export failures are counted and logged by the watched exporter.
      });
    await Promise.race([finished, expired]);
    clearTimeout(timer);
  }
}

/**
 * The OTLP/HTTP exporter for one destination. It would merge the process's
 * OTEL_EXPORTER_OTLP_* variables into its settings — headers included, so a
 * generic collector's credentials would also go to Levo. They are hidden
 * while it is built (the constructor reads them synchronously), which makes
 * the destination, read from the gateway's env, the only source.
 */
function otlpExporter(sdk: OtelSdk, destination: TraceDestination, limits: ExportLimits): OTLPTraceExporter {
  const hidden = Object.keys(process.env).filter((name) => name.startsWith("OTEL_EXPORTER_OTLP_"));
  const saved = hidden.map((name) => [name, process.env[name]] as const);
  for (const name of hidden) delete process.env[name];
  try {
    return new sdk.exporter.OTLPTraceExporter({
      url: destination.url,
      headers: { ...destination.headers },
      timeoutMillis: limits.exportTimeoutMillis,
      concurrencyLimit: limits.concurrencyLimit,
    });
  } finally {
    for (const [name, value] of saved) process.env[name] = value;
  }
}
