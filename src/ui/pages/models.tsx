import { useState } from "preact/hooks";
import { type Api, messageOf, type Outputs } from "../api.js";
import { ErrorNote } from "../error-note.js";
import { count } from "../format.js";
import { useLoad } from "../use-load.js";

type TestResult = Outputs["models"]["test"];

/** Model groups and their deployments: provider, price, cooldown, load, and a test button each. */
export function ModelsPage({ api }: { api: Api }) {
  const models = useLoad(() => api.models.list.query());
  const health = useLoad(() => api.health.deployments.query());
  const [results, setResults] = useState<Record<string, TestResult | string>>({});

  async function test(model: string, deploymentId: string) {
    setResults((previous) => ({ ...previous, [deploymentId]: "testing…" }));
    let result: TestResult | string;
    try {
      result = await api.models.test.mutate({ model, deploymentId });
    } catch (error) {
      result = messageOf(error);
    }
    setResults((previous) => ({ ...previous, [deploymentId]: result }));
    health.reload();
  }

  const healthOf = (id: string) => health.data?.find((deployment) => deployment.id === id);
  return (
    <section>
      <h2>Models</h2>
      <ErrorNote message={models.error ?? health.error} />
      <table>
        <thead>
          <tr>
            <th>Model group</th>
            <th>Deployment</th>
            <th>Provider / upstream model</th>
            <th>$ / 1M in · out</th>
            <th>Status</th>
            <th>Requests this minute</th>
            <th>Test</th>
          </tr>
        </thead>
        <tbody>
          {models.data?.flatMap((model) =>
            model.deployments.map((deployment, index) => {
              const state = healthOf(deployment.id);
              const result = results[deployment.id];
              return (
                <tr key={deployment.id}>
                  <td>{index === 0 ? model.id : ""}</td>
                  <td class="mono">{deployment.id}</td>
                  <td>
                    {deployment.provider} / {deployment.upstreamModel ?? "—"}
                  </td>
                  <td>
                    {deployment.inputPerMillion === undefined
                      ? "—"
                      : `${deployment.inputPerMillion} · ${deployment.outputPerMillion}`}
                  </td>
                  <td>
                    {state?.coolingDown ? (
                      <span class="badge bad">cooling down</span>
                    ) : (
                      <span class="badge good">in rotation</span>
                    )}
                  </td>
                  <td>{count(state?.requestsThisMinute)}</td>
                  <td>
                    <button type="button" onClick={() => test(model.id, deployment.id)}>
                      Test
                    </button>{" "}
                    <TestOutcome result={result} />
                  </td>
                </tr>
              );
            }),
          )}
        </tbody>
      </table>
    </section>
  );
}

function TestOutcome({ result }: { result: TestResult | string | undefined }) {
  if (result === undefined) return null;
  if (typeof result === "string") return <span>{result}</span>;
  if (result.ok)
    return (
      <span class="good">
        {result.latencyMs} ms: “{result.reply}”
      </span>
    );
  return (
    <span class="bad">
      {result.latencyMs} ms: {result.error?.code} — {result.error?.message}
    </span>
  );
}
