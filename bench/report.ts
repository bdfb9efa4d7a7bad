import type { FirstByteResult } from "./first-byte.js";

/** What `bench/run.ts` measured, as written to bench/results.json and printed as Markdown. */

export type StreamMode = "non-stream" | "stream";

export interface ScenarioResult {
  readonly mode: StreamMode;
  readonly connections: number;
  readonly requestsPerSecond: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  /** CPU time (user + system) the target process spent per completed request, in µs; null when unreadable. */
  readonly cpuMicrosPerRequest: number | null;
  /** The same for the upstream process behind the target. */
  readonly upstreamCpuMicrosPerRequest: number | null;
  readonly completed: number;
  readonly errors: number;
  readonly durationSeconds: number;
  /** The target's resident set when the run ended, in MiB (over rounds: the largest); NaN when unreadable. */
  readonly rssMiB: number;
}

export interface TargetResult {
  /** "upstream" (direct, the load generator's ceiling), "passthrough", "json-hop" or a gateway's name. */
  readonly name: string;
  readonly description: string;
  /** Why the target was not measured; its scenarios are then empty. */
  readonly skipped?: string;
  readonly scenarios: ScenarioResult[];
  firstByte: FirstByteResult | null;
}

export interface RatioRow {
  readonly mode: StreamMode;
  readonly connections: number;
  readonly requestsPerSecond: number;
  readonly latencyP50: number;
  readonly latencyP99: number;
  readonly cpuPerRequest: number | null;
}

export interface BenchResults {
  readonly meta: Readonly<Record<string, unknown>>;
  readonly targets: readonly TargetResult[];
  /** gateway ÷ pass-through, per scenario; empty when either was skipped. */
  readonly ratios: readonly RatioRow[];
  readonly firstByteRatio: { readonly p50: number; readonly p99: number } | null;
  /** json-hop ÷ pass-through: what parsing the JSON and logging a line cost before any gateway feature. */
  readonly floor?: readonly RatioRow[];
  /** Each 3-deployment-group gateway ÷ the single-deployment gateway, per scenario. */
  readonly routing: readonly RoutingRow[];
  /** Each virtual-key gateway ÷ the same gateway called with its master key, per scenario. */
  readonly keys: readonly RoutingRow[];
  /** Each gateway answering from its response cache ÷ the plain (pass-through) gateway, per scenario. */
  readonly cache?: readonly RoutingRow[];
  /** The pass-through and the gateway at half the gateway's saturated rate. */
  readonly halfSaturation?: readonly HalfSaturationRow[];
}

/** One target under a fixed load: half the rate the gateway saturated at. */
export interface HalfSaturationRow extends ScenarioResult {
  readonly target: string;
  readonly ratePerSecond: number;
}

export interface RoutingRow {
  /** "gateway-group" (in-process router state) or "gateway-group-redis". */
  readonly target: string;
  readonly mode: StreamMode;
  readonly connections: number;
  readonly requestsPerSecond: number;
  readonly cpuPerRequest: number | null;
}

/**
 * What a feature costs against the plain gateway (one OpenAI deployment):
 * routing over a group, or translating to an Anthropic-format upstream.
 */
export function routingRatiosOf(
  single: TargetResult | undefined,
  groups: readonly (TargetResult | undefined)[],
): RoutingRow[] {
  const rows: RoutingRow[] = [];
  if (!single || single.skipped) return rows;
  for (const group of groups) {
    if (!group || group.skipped) continue;
    for (const ours of group.scenarios) {
      const base = single.scenarios.find(
        (scenario) => scenario.mode === ours.mode && scenario.connections === ours.connections,
      );
      if (!base) continue;
      rows.push({
        target: group.name,
        mode: ours.mode,
        connections: ours.connections,
        requestsPerSecond: ours.requestsPerSecond / base.requestsPerSecond,
        cpuPerRequest:
          ours.cpuMicrosPerRequest !== null && base.cpuMicrosPerRequest
            ? ours.cpuMicrosPerRequest / base.cpuMicrosPerRequest
            : null,
      });
    }
  }
  return rows;
}

/**
 * Rounds of one scenario on one target as one result: requests and CPU time
 * summed over every round, latency percentiles the median round's.
 */
export function combineRounds(rounds: readonly ScenarioResult[]): ScenarioResult {
  if (rounds.length === 1) return rounds[0]!;
  const completed = rounds.reduce((sum, round) => sum + round.completed, 0);
  const seconds = rounds.reduce((sum, round) => sum + round.durationSeconds, 0);
  const cpuTotal = (pick: (round: ScenarioResult) => number | null) => {
    let total = 0;
    for (const round of rounds) {
      const perRequest = pick(round);
      if (perRequest === null) return null;
      total += perRequest * round.completed;
    }
    return completed > 0 ? total / completed : null;
  };
  const median = (pick: (round: ScenarioResult) => number) => {
    const values = rounds.map(pick).sort((left, right) => left - right);
    return values[Math.floor(values.length / 2)]!;
  };
  return {
    mode: rounds[0]!.mode,
    connections: rounds[0]!.connections,
    requestsPerSecond: completed / seconds,
    latencyP50Ms: median((round) => round.latencyP50Ms),
    latencyP99Ms: median((round) => round.latencyP99Ms),
    cpuMicrosPerRequest: cpuTotal((round) => round.cpuMicrosPerRequest),
    upstreamCpuMicrosPerRequest: cpuTotal((round) => round.upstreamCpuMicrosPerRequest),
    completed,
    errors: rounds.reduce((sum, round) => sum + round.errors, 0),
    durationSeconds: seconds,
    rssMiB: Math.max(...rounds.map((round) => round.rssMiB)),
  };
}

export function ratiosOf(
  gateway: TargetResult | undefined,
  passthrough: TargetResult | undefined,
): Pick<BenchResults, "ratios" | "firstByteRatio"> {
  if (!gateway || !passthrough || gateway.skipped || passthrough.skipped) {
    return { ratios: [], firstByteRatio: null };
  }
  const ratios: RatioRow[] = [];
  for (const ours of gateway.scenarios) {
    const base = passthrough.scenarios.find(
      (scenario) => scenario.mode === ours.mode && scenario.connections === ours.connections,
    );
    if (!base) continue;
    ratios.push({
      mode: ours.mode,
      connections: ours.connections,
      requestsPerSecond: ours.requestsPerSecond / base.requestsPerSecond,
      latencyP50: ours.latencyP50Ms / base.latencyP50Ms,
      latencyP99: ours.latencyP99Ms / base.latencyP99Ms,
      cpuPerRequest:
        ours.cpuMicrosPerRequest !== null && base.cpuMicrosPerRequest
          ? ours.cpuMicrosPerRequest / base.cpuMicrosPerRequest
          : null,
    });
  }
  const firstByteRatio =
    gateway.firstByte && passthrough.firstByte
      ? {
          p50: gateway.firstByte.p50Ms / passthrough.firstByte.p50Ms,
          p99: gateway.firstByte.p99Ms / passthrough.firstByte.p99Ms,
        }
      : null;
  return { ratios, firstByteRatio };
}

function milliseconds(value: number): string {
  if (!Number.isFinite(value)) return "–";
  return value < 1 ? value.toFixed(3) : value < 10 ? value.toFixed(2) : value.toFixed(1);
}

function micros(value: number | null): string {
  return value === null || !Number.isFinite(value) ? "–" : value.toFixed(1);
}

function times(value: number | null): string {
  return value === null || !Number.isFinite(value) ? "–" : `${value.toFixed(2)}×`;
}

export function toMarkdown(results: BenchResults): string {
  const meta = results.meta;
  const lines: string[] = [
    `### Throughput and latency (${meta.durationSeconds} s per run after a ${meta.warmupSeconds} s warm-up` +
      (Number(meta.rounds) > 1 ? `, ${meta.rounds} rounds in turns, summed` : "") +
      "; " +
      `servers on CPU ${meta.serverCpu}, load generator on CPU ${meta.loadCpu})`,
    "",
    "| target | mode | conns | req/s | p50 ms | p99 ms | CPU µs/req | upstream CPU µs/req | RSS MiB | errors |",
    "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const target of results.targets) {
    if (target.skipped) {
      lines.push(`| ${target.name} | skipped: ${target.skipped.split("\n")[0]} | | | | | | | | |`);
      continue;
    }
    for (const scenario of target.scenarios) {
      lines.push(
        `| ${target.name} | ${scenario.mode} | ${scenario.connections} | ${Math.round(scenario.requestsPerSecond)} | ` +
          `${milliseconds(scenario.latencyP50Ms)} | ${milliseconds(scenario.latencyP99Ms)} | ` +
          `${micros(scenario.cpuMicrosPerRequest)} | ${micros(scenario.upstreamCpuMicrosPerRequest)} | ` +
          `${Number.isNaN(scenario.rssMiB) ? "?" : scenario.rssMiB.toFixed(0)} | ${scenario.errors} |`,
      );
    }
  }

  lines.push(
    "",
    `### Time to first streamed byte (${meta.firstByteRequests} sequential streaming requests, 1 connection)`,
    "",
    "| target | p50 ms | p99 ms |",
    "|---|--:|--:|",
  );
  for (const target of results.targets) {
    if (target.firstByte) {
      lines.push(
        `| ${target.name} | ${milliseconds(target.firstByte.p50Ms)} | ${milliseconds(target.firstByte.p99Ms)} |`,
      );
    }
  }

  if (results.halfSaturation && results.halfSaturation.length > 0) {
    lines.push(
      "",
      "### At half of the gateway's saturation (a fixed rate, evenly paced, the same for each)",
      "",
      "| target | mode | conns | rate req/s | p50 ms | p99 ms | CPU µs/req |",
      "|---|---|--:|--:|--:|--:|--:|",
    );
    for (const row of results.halfSaturation) {
      lines.push(
        `| ${row.target} | ${row.mode} | ${row.connections} | ${row.ratePerSecond} | ` +
          `${milliseconds(row.latencyP50Ms)} | ${milliseconds(row.latencyP99Ms)} | ${micros(row.cpuMicrosPerRequest)} |`,
      );
    }
  }

  lines.push("", "### Gateway ÷ pass-through", "");
  if (results.ratios.length === 0) {
    lines.push("(needs both the gateway and the pass-through rows)");
  } else {
    lines.push("| mode | conns | req/s | p50 | p99 | CPU/req |", "|---|--:|--:|--:|--:|--:|");
    for (const ratio of results.ratios) {
      lines.push(
        `| ${ratio.mode} | ${ratio.connections} | ${times(ratio.requestsPerSecond)} | ${times(ratio.latencyP50)} | ` +
          `${times(ratio.latencyP99)} | ${times(ratio.cpuPerRequest)} |`,
      );
    }
    if (results.firstByteRatio) {
      lines.push(
        `| first byte | 1 | | ${times(results.firstByteRatio.p50)} | ${times(results.firstByteRatio.p99)} | |`,
      );
    }
  }
  if (results.floor && results.floor.length > 0) {
    lines.push(
      "",
      "### The floor: json-hop (parse, re-serialise, log a line) ÷ pass-through",
      "",
      "| mode | conns | req/s | p50 | p99 | CPU/req |",
      "|---|--:|--:|--:|--:|--:|",
    );
    for (const ratio of results.floor) {
      lines.push(
        `| ${ratio.mode} | ${ratio.connections} | ${times(ratio.requestsPerSecond)} | ${times(ratio.latencyP50)} | ` +
          `${times(ratio.latencyP99)} | ${times(ratio.cpuPerRequest)} |`,
      );
    }
  }
  if (results.routing.length > 0) {
    lines.push(
      "",
      "### Against the plain gateway (one OpenAI deployment): routing over a 3-deployment group, Anthropic translation",
      "",
      "| target | mode | conns | req/s | CPU/req |",
      "|---|---|--:|--:|--:|",
    );
    for (const row of results.routing) {
      lines.push(
        `| ${row.target} | ${row.mode} | ${row.connections} | ${times(row.requestsPerSecond)} | ${times(row.cpuPerRequest)} |`,
      );
    }
  }
  if (results.keys.length > 0) {
    lines.push(
      "",
      "### A virtual key (models, budget, rpm/tpm limits checked on every call) ÷ the master key, same gateway config",
      "",
      "| target | mode | conns | req/s | CPU/req |",
      "|---|---|--:|--:|--:|",
    );
    for (const row of results.keys) {
      lines.push(
        `| ${row.target} | ${row.mode} | ${row.connections} | ${times(row.requestsPerSecond)} | ${times(row.cpuPerRequest)} |`,
      );
    }
  }
  if (results.cache && results.cache.length > 0) {
    lines.push(
      "",
      "### Answered from the response cache (every call a hit) ÷ the plain gateway calling its upstream",
      "",
      "| target | mode | conns | req/s | CPU/req |",
      "|---|---|--:|--:|--:|",
    );
    for (const row of results.cache) {
      lines.push(
        `| ${row.target} | ${row.mode} | ${row.connections} | ${times(row.requestsPerSecond)} | ${times(row.cpuPerRequest)} |`,
      );
    }
  }
  return lines.join("\n");
}
