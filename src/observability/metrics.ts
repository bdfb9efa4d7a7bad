import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { CallObserver, CallRecord } from "../accounting/call-record.js";
import type { SpanDrops } from "../integrations/otel/trace-exporter.js";
import { processMetrics } from "./process-metrics.js";

/** Label value for a model group the config does not know, and for "no deployment answered". */
export const UNKNOWN_LABEL = "unknown";
export const NO_DEPLOYMENT_LABEL = "none";

export interface GatewayMetricsOptions {
  /** The configured model groups: only these become `model_group` values, anything else is "unknown". */
  readonly modelGroups: ReadonlySet<string>;
  /** Calls under way right now; read at scrape time. */
  readonly inFlight: () => number;
  /** The spend log's buffer, when there is one; read at scrape time. */
  readonly spendLog?: { readonly buffered: number; readonly dropped: number };
  /** Spans each trace exporter (otel, levo) lost so far; read at scrape time. */
  readonly traceDrops?: () => readonly SpanDrops[];
}

/** Seconds; LLM calls run from milliseconds (cache, mock) to minutes (long generations). */
const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** Seconds; the gateway's own share should stay under a few milliseconds. */
const overheadBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

const callLabels = ["model_group", "deployment", "provider", "kind", "stream", "status_code"] as const;
const failureLabels = [...callLabels, "error_type"] as const;
const timingLabels = ["model_group", "deployment", "provider", "kind", "stream"] as const;
const deploymentLabels = ["model_group", "deployment", "provider"] as const;

type Labels<Names extends readonly string[]> = Record<Names[number], string>;

/** The label sets one kind of call updates, built once per distinct kind of call and reused. */
interface Series {
  readonly call: Labels<typeof callLabels>;
  readonly failure: Labels<typeof failureLabels> | undefined;
  readonly timing: Labels<typeof timingLabels>;
  readonly deployment: Labels<typeof deploymentLabels>;
  readonly requested: { model_group: string };
}

/**
 * The gateway's Prometheus metrics, in a registry of its own (several
 * gateways can share a process, as tests do). Every label value comes from
 * the config (model groups, deployment ids, providers) or a small fixed set
 * (kind, stream, HTTP status, OpenAI error type), so series stay bounded
 * whatever callers send. The process's own metrics (CPU, memory, event
 * loop) are appended at scrape time from one process-wide registry.
 */
export class GatewayMetrics implements CallObserver {
  readonly #registry = new Registry();
  readonly #modelGroups: ReadonlySet<string>;
  readonly #series = new Map<string, Series>();
  readonly #requests: Counter<(typeof callLabels)[number]>;
  readonly #failures: Counter<(typeof failureLabels)[number]>;
  readonly #duration: Histogram<(typeof timingLabels)[number]>;
  readonly #timeToFirstToken: Histogram<(typeof timingLabels)[number]>;
  readonly #overhead: Histogram<(typeof timingLabels)[number]>;
  readonly #inputTokens: Counter<(typeof deploymentLabels)[number]>;
  readonly #outputTokens: Counter<(typeof deploymentLabels)[number]>;
  readonly #cachedTokens: Counter<(typeof deploymentLabels)[number]>;
  readonly #spend: Counter<(typeof deploymentLabels)[number]>;
  readonly #retries: Counter<"model_group">;
  readonly #fallbacks: Counter<"model_group">;
  readonly #cooldowns: Counter<"model_group" | "deployment">;
  readonly #cacheLookups: Counter<"model_group" | "kind" | "result">;
  readonly #guardrailChecks: Counter<"guardrail" | "mode" | "outcome">;

  constructor(options: GatewayMetricsOptions) {
    this.#modelGroups = options.modelGroups;
    const registers = [this.#registry];
    this.#requests = new Counter({
      name: "switchyard_requests_total",
      help: "Finished calls (chat, text, embeddings), by outcome",
      labelNames: callLabels,
      registers,
    });
    this.#failures = new Counter({
      name: "switchyard_request_failures_total",
      help: "Calls that ended in an error, by HTTP status and OpenAI error type",
      labelNames: failureLabels,
      registers,
    });
    this.#duration = new Histogram({
      name: "switchyard_request_duration_seconds",
      help: "Successful calls: from arrival to the answer's end (a stream's last chunk)",
      labelNames: timingLabels,
      buckets: latencyBuckets,
      registers,
    });
    this.#timeToFirstToken = new Histogram({
      name: "switchyard_time_to_first_token_seconds",
      help: "Successful streams: from arrival to the first chunk",
      labelNames: timingLabels,
      buckets: latencyBuckets,
      registers,
    });
    this.#overhead = new Histogram({
      name: "switchyard_overhead_seconds",
      help: "Successful unary calls: the gateway's own share of the latency (all but the upstream's)",
      labelNames: timingLabels,
      buckets: overheadBuckets,
      registers,
    });
    const tokenCounter = (name: string, help: string) =>
      new Counter({ name, help, labelNames: deploymentLabels, registers });
    this.#inputTokens = tokenCounter("switchyard_input_tokens_total", "Prompt tokens, cached ones included");
    this.#outputTokens = tokenCounter("switchyard_output_tokens_total", "Completion tokens");
    this.#cachedTokens = tokenCounter(
      "switchyard_cached_input_tokens_total",
      "Prompt tokens read from the provider's cache",
    );
    this.#spend = tokenCounter(
      "switchyard_spend_usd_total",
      "Cost of calls in US dollars (known prices only)",
    );
    this.#retries = new Counter({
      name: "switchyard_retries_total",
      help: "Retries made, by the model group asked for",
      labelNames: ["model_group"],
      registers,
    });
    this.#fallbacks = new Counter({
      name: "switchyard_fallbacks_total",
      help: "Fallback groups tried, by the model group asked for",
      labelNames: ["model_group"],
      registers,
    });
    this.#cooldowns = new Counter({
      name: "switchyard_deployment_cooldowns_total",
      help: "Times this process put a deployment in cooldown",
      labelNames: ["model_group", "deployment"],
      registers,
    });
    this.#cacheLookups = new Counter({
      name: "switchyard_cache_lookups_total",
      help: "Response cache lookups: result hit (answered without an upstream call) or miss",
      labelNames: ["model_group", "kind", "result"],
      registers,
    });
    this.#guardrailChecks = new Counter({
      name: "switchyard_guardrail_checks_total",
      help: "Guardrail checks by guardrail, mode and outcome: passed, masked, blocked, or error (the service failed)",
      labelNames: ["guardrail", "mode", "outcome"],
      registers,
    });
    new Gauge({
      name: "switchyard_requests_in_flight",
      help: "Calls routed and not yet finished (streams until their last chunk)",
      registers,
      collect() {
        this.set(options.inFlight());
      },
    });
    const spendLog = options.spendLog;
    if (spendLog) {
      new Gauge({
        name: "switchyard_spend_log_buffered_rows",
        help: "Spend rows waiting for the next batch write",
        registers,
        collect() {
          this.set(spendLog.buffered);
        },
      });
      new Counter({
        name: "switchyard_spend_log_dropped_rows_total",
        help: "Spend rows dropped: the buffer was full during a store outage, or the database refused them",
        registers,
        collect() {
          // The spend log keeps the count; a scrape copies it.
          this.reset();
          this.inc(spendLog.dropped);
        },
      });
    }
    const traceDrops = options.traceDrops;
    if (traceDrops) {
      new Counter({
        name: "switchyard_otel_spans_dropped_total",
        help: "Spans a trace exporter lost: queue_full (collector slow or down) or export_failed",
        labelNames: ["exporter", "reason"],
        registers,
        collect() {
          // The exporters keep the counts; a scrape copies them.
          this.reset();
          for (const drops of traceDrops()) {
            this.inc({ exporter: drops.exporter, reason: "queue_full" }, drops.queueFull);
            this.inc({ exporter: drops.exporter, reason: "export_failed" }, drops.exportFailed);
          }
        },
      });
    }
  }

  /** Prometheus text format: the content type to answer with and the body. */
  async render(): Promise<{ contentType: string; text: string }> {
    const [own, process] = await Promise.all([this.#registry.metrics(), processMetrics().metrics()]);
    return { contentType: this.#registry.contentType, text: `${own}\n${process}` };
  }

  /** The response cache's lookup hook. */
  cacheLookup(kind: string, model: string, hit: boolean): void {
    const group = this.#modelGroups.has(model) ? model : UNKNOWN_LABEL;
    this.#cacheLookups.inc({ model_group: group, kind, result: hit ? "hit" : "miss" });
  }

  /** One guardrail check (src/guardrails/); guardrail names come from the config, so the labels are bounded. */
  guardrailChecked(guardrail: string, mode: string, outcome: string): void {
    this.#guardrailChecks.inc({ guardrail, mode, outcome });
  }

  /** The router's cooldown hook. */
  cooledDown(deploymentId: string, group: string): void {
    this.#cooldowns.inc({ model_group: group, deployment: deploymentId });
  }

  record(call: CallRecord): void {
    const series = this.#seriesOf(call);
    this.#requests.inc(series.call);
    if (series.failure) this.#failures.inc(series.failure);
    if (call.retries > 0) this.#retries.inc(series.requested, call.retries);
    if (call.fallbacks > 0) this.#fallbacks.inc(series.requested, call.fallbacks);
    const usage = call.usage;
    if (usage) {
      if (usage.promptTokens > 0) this.#inputTokens.inc(series.deployment, usage.promptTokens);
      if (usage.completionTokens > 0) this.#outputTokens.inc(series.deployment, usage.completionTokens);
      if (usage.cachedTokens > 0) this.#cachedTokens.inc(series.deployment, usage.cachedTokens);
    }
    if (call.costUsd) this.#spend.inc(series.deployment, call.costUsd);
    if (call.error) return;
    this.#duration.observe(series.timing, call.latencyMs / 1000);
    if (call.timeToFirstTokenMs !== undefined && call.stream) {
      this.#timeToFirstToken.observe(series.timing, call.timeToFirstTokenMs / 1000);
    }
    if (call.overheadMs !== undefined) this.#overhead.observe(series.timing, call.overheadMs / 1000);
  }

  /** The label sets of a call, looked up by one string key: label objects are built once per series. */
  #seriesOf(call: CallRecord): Series {
    // The requested model is the caller's to choose: it becomes a label (and a key) only when configured.
    const requested = this.#modelGroups.has(call.requestedModel) ? call.requestedModel : UNKNOWN_LABEL;
    const group = call.modelGroup ?? requested;
    const deployment = call.deploymentId ?? NO_DEPLOYMENT_LABEL;
    const status = String(call.error?.httpStatus ?? 200);
    const stream = call.stream ? "true" : "false";
    const errorType = call.error?.type ?? "";
    const key = `${requested}\0${group}\0${deployment}\0${call.kind}\0${stream}\0${status}\0${errorType}`;
    let series = this.#series.get(key);
    if (!series) {
      const provider = call.provider ?? NO_DEPLOYMENT_LABEL;
      const timing = { model_group: group, deployment, provider, kind: call.kind, stream };
      const labels = { ...timing, status_code: status };
      series = {
        call: labels,
        failure: call.error ? { ...labels, error_type: errorType } : undefined,
        timing,
        deployment: { model_group: group, deployment, provider },
        requested: { model_group: requested },
      };
      this.#series.set(key, series);
    }
    return series;
  }
}
