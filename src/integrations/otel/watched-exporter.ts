import type { ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { Logger } from "../../observability/logger.js";
import { otelSdk } from "./otel-sdk.js";
import { describeEndpoint } from "./otlp-endpoint.js";
import type { TraceDestination } from "./trace-destination.js";

/**
 * Wraps a destination's exporter to count what it loses and to say so once
 * per outage: a warning at the first failed export after a good one (or at
 * the first export), an info line when exports work again with the spans
 * lost meanwhile. Never per span, never with header values.
 */
export class WatchedExporter implements SpanExporter {
  readonly #inner: SpanExporter;
  readonly #logger: Logger;
  readonly #name: string;
  readonly #endpoint: string;
  readonly #secrets: readonly string[];
  #failing = false;
  #lostInOutage = 0;
  /** Spans in exports that failed (collector down, refused, timed out, or answered an error). */
  failedSpans = 0;
  exportedSpans = 0;

  constructor(inner: SpanExporter, destination: TraceDestination, logger: Logger) {
    this.#inner = inner;
    this.#logger = logger;
    this.#name = destination.name;
    this.#endpoint = describeEndpoint(destination.url);
    this.#secrets = Object.values(destination.headers)
      .flatMap((value) => [value, value.replace(/^Bearer\s+/i, "")])
      .filter((value) => value.length >= 4);
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const { SUCCESS } = otelSdk().core.ExportResultCode;
    this.#inner.export(spans, (result) => {
      if (result.code === SUCCESS) this.#succeeded(spans.length);
      else this.#failed(spans.length, result.error);
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.#inner.forceFlush?.() ?? Promise.resolve();
  }

  #succeeded(count: number): void {
    this.exportedSpans += count;
    if (!this.#failing) return;
    this.#failing = false;
    this.#logger.info(
      { exporter: this.#name, endpoint: this.#endpoint, lostSpans: this.#lostInOutage },
      "traces: exporting spans works again",
    );
    this.#lostInOutage = 0;
  }

  #failed(count: number, error: Error | undefined): void {
    this.failedSpans += count;
    this.#lostInOutage += count;
    if (this.#failing) return;
    this.#failing = true;
    this.#logger.warn(
      { exporter: this.#name, endpoint: this.#endpoint, reason: this.#reason(error) },
      "traces: exporting spans failed; spans are dropped until the collector answers (logged once per outage)",
    );
  }

  /** The error's status and message, shortened, with any header value blotted out in case a server echoed one. */
  #reason(error: Error | undefined): string {
    if (!error) return "unknown error";
    const status = (error as { code?: unknown }).code;
    let reason = typeof status === "number" ? `HTTP ${status} ${error.message}` : error.message;
    for (const secret of this.#secrets) reason = reason.replaceAll(secret, "[redacted]");
    return reason.slice(0, 300);
  }
}
