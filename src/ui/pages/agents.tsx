import { useState } from "preact/hooks";
import type { Api } from "../api.js";
import { DeleteButton } from "../delete-button.js";
import { ErrorNote } from "../error-note.js";
import { type FieldSpec, Fields } from "../field.js";
import { time } from "../format.js";
import { TableHead } from "../table-head.js";
import { useAction } from "../use-action.js";
import { useLoad } from "../use-load.js";

const agentFields: readonly FieldSpec<"name" | "description" | "model" | "url">[] = [
  { label: "Name", name: "name", required: true },
  { label: "Description", name: "description" },
  { label: "Model group (model-backed)", name: "model" },
  { label: "or URL (remote agent)", name: "url", type: "url" },
];

/** A2A agents: from the YAML (read-only here) and stored ones; create a model-backed or remote agent. */
export function AgentsPage({ api }: { api: Api }) {
  const agents = useLoad(() => api.agents.list.query());
  const { error, run } = useAction(agents.reload);
  const [fields, setFields] = useState({ name: "", description: "", model: "", url: "" });

  async function create(event: Event) {
    event.preventDefault();
    const name = fields.name.trim();
    const created = await run(() =>
      api.agents.create.mutate({
        name,
        cardParams: {
          name,
          description: fields.description.trim(),
          ...(fields.url.trim() && { url: fields.url.trim() }),
        },
        litellmParams: fields.model.trim() ? { model: fields.model.trim() } : undefined,
      }),
    );
    if (created) setFields({ name: "", description: "", model: "", url: "" });
  }

  return (
    <section>
      <h2>Agents</h2>
      <form class="inline" onSubmit={create} aria-label="Create an agent">
        <Fields specs={agentFields} values={fields} setValues={setFields} />
        <button type="submit">Create agent</button>
      </form>
      <ErrorNote message={error ?? agents.error} />
      <table>
        <TableHead columns={["Name", "Source", "Description", "Backed by", "Updated", ""]} />
        <tbody>
          {agents.data?.map((agent) => (
            <tr key={agent.name}>
              <td>
                <a href={`/a2a/${encodeURIComponent(agent.name)}/.well-known/agent-card.json`}>
                  {agent.name}
                </a>
              </td>
              <td>{agent.source}</td>
              <td>{String(agent.cardParams.description ?? "")}</td>
              <td class="mono">{String(agent.litellmParams.model ?? agent.cardParams.url ?? "—")}</td>
              <td>{time(agent.updatedAt)}</td>
              <td class="actions">
                {agent.source === "store" && (
                  <DeleteButton
                    question={`Delete agent ${agent.name}?`}
                    onDelete={() => run(() => api.agents.delete.mutate({ name: agent.name }))}
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
