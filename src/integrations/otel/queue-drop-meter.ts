import type { Attributes, Counter, Meter, MeterProvider } from "@opentelemetry/api";
import { otelSdk } from "./otel-sdk.js";

/** The BatchSpanProcessor's self-observability counter, and the attribute it marks drops with. */
const PROCESSED_SPANS = "otel.sdk.processor.span.processed";
const QUEUE_FULL = "queue_full";

/**
 * A MeterProvider for one BatchSpanProcessor's `selfObsMeterProvider` that
 * reports the spans it drops because its queue is full: the processor keeps
 * that count private and only says it on the global diag logger, which is
 * shared by every gateway in the process. Every other instrument is a no-op.
 */
export function queueDropMeterProvider(onDropped: (count: number) => void): MeterProvider {
  const noop = otelSdk().api.createNoopMeter();
  const processed: Counter = {
    add(value: number, attributes?: Attributes) {
      if (attributes?.["error.type"] === QUEUE_FULL) onDropped(value);
    },
  };
  // The no-op meter as prototype answers every instrument but this one.
  const meter: Meter = Object.create(noop, {
    createCounter: {
      value: (name: string) => (name === PROCESSED_SPANS ? processed : noop.createCounter(name)),
    },
  });
  return { getMeter: () => meter };
}
