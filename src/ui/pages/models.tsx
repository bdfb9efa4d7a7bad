import { useState } from "preact/hooks";
import { type Api, messageOf, type Outputs } from "../api.js";
import { DeleteButton } from "../delete-button.js";
import { ErrorNote } from "../error-note.js";
import { type FieldSpec, Fields } from "../field.js";
import { count } from "../format.js";
import { TableHead } from "../table-head.js";
import { useAction } from "../use-action.js";
import { useLoad } from "../use-load.js";

type TestResult = Outputs["models"]["test"];

/**
 * Model groups and their deployments: provider, price, cooldown, load, where
 * each is defined, and a test button each; deployments stored through the API
 * can be added here and deleted (config ones are read-only).
 */
export function ModelsPage({ api }: { api: Api }) {
  const models = useLoad(() => api.models.list.query());
  const health = useLoad(() => api.health.deployments.query());
  const managed = useLoad(() => api.models.deployments.query());
  const [results, setResults] = useState<Record<string, TestResult | string>>({});
  const { error, run } = useAction(() => {
    models.reload();
    managed.reload();
    health.reload();
  });

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
  const sourceOf = (id: string) => managed.data?.find((deployment) => deployment.id === id)?.source;
  return (
    <section>
      <h2>Models</h2>
      <AddModelForm
        onSubmit={(modelName, params, id) => run(() => api.models.create.mutate({ modelName, params, id }))}
      />
      <ErrorNote message={error ?? models.error ?? health.error ?? managed.error} />
      <table>
        <TableHead
          columns={[
            "Model group",
            "Deployment",
            "Provider / upstream model",
            "$ / 1M in · out",
            "Status",
            "Requests this minute",
            "Source",
            "Actions",
          ]}
        />
        <tbody data-testid="model-rows">
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
                  <td>{sourceOf(deployment.id) === "db" ? "database" : "config file"}</td>
                  <td class="actions">
                    <button type="button" onClick={() => test(model.id, deployment.id)}>
                      Test
                    </button>{" "}
                    {sourceOf(deployment.id) === "db" && (
                      <DeleteButton
                        question={`Delete deployment ${deployment.id} of ${model.id}?`}
                        onDelete={() => run(() => api.models.delete.mutate({ id: deployment.id }))}
                      />
                    )}{" "}
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

interface AddModelFormProps {
  /** Resolves true when the model was stored (the form then clears). */
  readonly onSubmit: (modelName: string, params: Record<string, string>, id?: string) => Promise<boolean>;
}

const modelFields: readonly FieldSpec<"model_name" | "model" | "api_base" | "api_key" | "id">[] = [
  { label: "Model name", name: "model_name", required: true },
  { label: "Provider model", name: "model", required: true, placeholder: "openai/gpt-4o-mini" },
  { label: "API base", name: "api_base", placeholder: "https://…" },
  { label: "API key", name: "api_key", type: "password", autocomplete: "off" },
  { label: "Id", name: "id", placeholder: "generated" },
];

/** A model_list entry in four fields: what most deployments need; the key is sent once and shown masked after. */
function AddModelForm({ onSubmit }: AddModelFormProps) {
  const empty = { model_name: "", model: "", api_base: "", api_key: "", id: "" };
  const [fields, setFields] = useState(empty);

  async function send(event: Event) {
    event.preventDefault();
    const params: Record<string, string> = { model: fields.model.trim() };
    if (fields.api_base.trim()) params.api_base = fields.api_base.trim();
    if (fields.api_key) params.api_key = fields.api_key;
    if (await onSubmit(fields.model_name.trim(), params, fields.id.trim() || undefined)) setFields(empty);
  }

  return (
    <form class="inline" onSubmit={send} aria-label="Add a model">
      <Fields specs={modelFields} values={fields} setValues={setFields} />
      <button type="submit">Add model</button>
    </form>
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
