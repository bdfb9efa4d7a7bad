import { createRequire } from "node:module";
import type * as Api from "@opentelemetry/api";
import type * as Core from "@opentelemetry/core";
import type * as Exporter from "@opentelemetry/exporter-trace-otlp-http";
import type * as Resources from "@opentelemetry/resources";
import type * as Trace from "@opentelemetry/sdk-trace-base";

/** The OpenTelemetry packages the trace exporters use. */
export interface OtelSdk {
  readonly api: typeof Api;
  readonly core: typeof Core;
  readonly exporter: typeof Exporter;
  readonly resources: typeof Resources;
  readonly trace: typeof Trace;
}

const require = createRequire(import.meta.url);
let loaded: OtelSdk | undefined;

/**
 * The SDK, loaded on first use: importing it takes a few hundred
 * milliseconds of start-up, which a gateway without trace callbacks should
 * not pay. Synchronously, because the gateway is built so; these packages'
 * entry points are CommonJS, so `require` loads what `import` would.
 */
export function otelSdk(): OtelSdk {
  loaded ??= {
    api: require("@opentelemetry/api") as typeof Api,
    core: require("@opentelemetry/core") as typeof Core,
    exporter: require("@opentelemetry/exporter-trace-otlp-http") as typeof Exporter,
    resources: require("@opentelemetry/resources") as typeof Resources,
    trace: require("@opentelemetry/sdk-trace-base") as typeof Trace,
  };
  return loaded;
}
