/** Where one trace callback sends its spans, read once at start. */
export interface TraceDestination {
  /** The callback's name in litellm_settings ("otel", "levo"): labels logs and drop counts. */
  readonly name: string;
  /** The full OTLP/HTTP traces URL (…/v1/traces). */
  readonly url: string;
  /** Sent with every export; may hold credentials, so never logged. */
  readonly headers: Readonly<Record<string, string>>;
  /** Resource attributes on top of the SDK's own (service.name, deployment.environment.name, …). */
  readonly resource: Readonly<Record<string, string>>;
}

/**
 * How much a destination may hold and how long it may take: the bounds that
 * keep a slow or dead collector away from requests.
 */
export interface ExportLimits {
  /** Finished spans waiting for export; past it new spans are dropped (and counted). */
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  /** How long a span may wait for its batch to fill, ms. */
  readonly scheduledDelayMillis: number;
  /** One export's deadline, retries included, ms; also bounds the flush on close. */
  readonly exportTimeoutMillis: number;
  /** Exports in flight at once (more only after earlier ones timed out). */
  readonly concurrencyLimit: number;
}
