import type { ChartConfiguration } from "chart.js";
import { useMemo, useState } from "preact/hooks";
import type { Api, Outputs } from "../api.js";
import { ChartCanvas } from "../chart-canvas.js";
import { ErrorNote } from "../error-note.js";
import { count, time, usd } from "../format.js";
import { TableHead } from "../table-head.js";
import { useLoad } from "../use-load.js";

/** What every spend total has, whatever it is grouped by. */
interface Amounts {
  readonly spend: number;
  readonly requests: number;
}

const RANGES = [7, 30, 90] as const;
const DAY_MS = 24 * 3600 * 1000;

/** Spend by day, model and key over a chosen range, and the latest requests. */
export function SpendPage({ api }: { api: Api }) {
  const [days, setDays] = useState<number>(30);
  return (
    <section>
      <h2>Spend</h2>
      <fieldset class="range">
        <legend>Range</legend>
        {RANGES.map((range) => (
          <label key={range}>
            <input type="radio" name="range" checked={days === range} onChange={() => setDays(range)} /> last{" "}
            {range} days
          </label>
        ))}
      </fieldset>
      <SpendCharts api={api} days={days} key={days} />
      <RecentRequests api={api} />
    </section>
  );
}

function SpendCharts({ api, days }: { api: Api; days: number }) {
  const window = useMemo(() => {
    const to = new Date(Date.now() + 60_000);
    return { from: new Date(to.getTime() - days * DAY_MS).toISOString(), to: to.toISOString() };
  }, [days]);
  const byDay = useLoad(() => api.spend.byDay.query(window));
  const byModel = useLoad(() => api.spend.byModel.query(window));
  const byKey = useLoad(() => api.spend.byKey.query(window));

  const dayChart = useMemo(
    () => byDay.data && barChart(fillDays(byDay.data, window.from, days), (row) => row.day, "US$ per day"),
    [byDay.data, window.from, days],
  );
  const modelChart = useMemo(
    () => byModel.data && doughnutChart(byModel.data, (row) => row.model ?? "(none answered)"),
    [byModel.data],
  );
  const keyChart = useMemo(
    () =>
      byKey.data &&
      barChart(
        byKey.data,
        (row) => row.keyAlias ?? row.keyName ?? (row.tokenId ? row.tokenId.slice(0, 8) : "master key"),
        "US$",
      ),
    [byKey.data],
  );

  return (
    <div class="charts">
      <ErrorNote message={byDay.error ?? byModel.error ?? byKey.error} />
      <figure>
        <figcaption>By day</figcaption>
        {dayChart && <ChartCanvas config={dayChart} label="Spend by day" />}
      </figure>
      <figure>
        <figcaption>By model</figcaption>
        {modelChart && <ChartCanvas config={modelChart} label="Spend by model" />}
        <Totals rows={byModel.data} name={(row) => row.model ?? "(none answered)"} />
      </figure>
      <figure>
        <figcaption>By key</figcaption>
        {keyChart && <ChartCanvas config={keyChart} label="Spend by key" />}
      </figure>
    </div>
  );
}

function Totals<Row extends Amounts>({
  rows,
  name,
}: {
  rows: Row[] | undefined;
  name: (row: Row) => string;
}) {
  if (!rows || rows.length === 0) return <p class="hint">No requests in this range.</p>;
  return (
    <table class="compact" data-testid="spend-totals">
      <tbody>
        {rows.map((row) => (
          <tr key={name(row)}>
            <td>{name(row)}</td>
            <td>{usd(row.spend)}</td>
            <td>{count(row.requests)} requests</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RecentRequests({ api }: { api: Api }) {
  const calls = useLoad(() => api.logs.recent.query({ limit: 50 }));
  return (
    <>
      <h3>
        Latest requests{" "}
        <button type="button" onClick={calls.reload}>
          Refresh
        </button>
      </h3>
      <ErrorNote message={calls.error} />
      <table>
        <TableHead
          columns={["Time", "Model → deployment", "Caller", "Status", "Tokens in · out", "Cost", "Latency"]}
        />
        <tbody>
          {calls.data?.map((call) => (
            <tr key={call.requestId}>
              <td>{time(call.startTime)}</td>
              <td>
                {call.model} → <span class="mono">{call.deploymentId ?? "—"}</span>
                {call.stream && " (stream)"}
              </td>
              <td class="mono">{call.tokenId ? call.tokenId.slice(0, 8) : call.principal}</td>
              <td class={call.status === "success" ? "good" : "bad"}>
                {call.statusCode}
                {call.errorType && ` ${call.errorType}`}
              </td>
              <td>
                {count(call.promptTokens)} · {count(call.completionTokens)}
              </td>
              <td>{usd(call.spend)}</td>
              <td>{Math.round(call.latencyMs)} ms</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** Every day of the range, zero where nothing was spent, so the axis is time and not just the busy days. */
function fillDays(rows: Outputs["spend"]["byDay"], from: string, days: number): Outputs["spend"]["byDay"] {
  const byDay = new Map(rows.map((row) => [row.day, row]));
  const start = new Date(from).getTime();
  return Array.from({ length: days + 1 }, (_, index) => {
    const day = new Date(start + index * DAY_MS).toISOString().slice(0, 10);
    return byDay.get(day) ?? { day, spend: 0, requests: 0, promptTokens: 0, completionTokens: 0 };
  });
}

const COLORS = ["#3b6ea8", "#d9822b", "#4c9a5f", "#b8475a", "#7a5cad", "#8c8c3a", "#3a8c8c", "#a86a3b"];

function barChart<Row extends Amounts>(
  rows: Row[],
  label: (row: Row) => string,
  title: string,
): ChartConfiguration {
  return {
    type: "bar",
    data: {
      labels: rows.map(label),
      datasets: [{ label: title, data: rows.map((row) => row.spend), backgroundColor: COLORS[0] }],
    },
    options: { animation: false, maintainAspectRatio: false, plugins: { legend: { display: false } } },
  };
}

function doughnutChart<Row extends Amounts>(rows: Row[], label: (row: Row) => string): ChartConfiguration {
  return {
    type: "doughnut",
    data: {
      labels: rows.map(label),
      datasets: [
        {
          data: rows.map((row) => row.spend),
          backgroundColor: rows.map((_, index) => COLORS[index % COLORS.length]!),
        },
      ],
    },
    options: { animation: false, maintainAspectRatio: false },
  };
}
