import type { JsonObject } from "@bufbuild/protobuf";
import { useState } from "preact/hooks";
import { type Api, messageOf, type Outputs } from "../api.js";
import { ErrorNote } from "../error-note.js";
import { TableHead } from "../table-head.js";
import { useLoad } from "../use-load.js";

type Prompt = Outputs["prompts"]["list"][number];
type Rendered = Outputs["prompts"]["render"];

/** Managed prompts: list them, render one with variables, without calling a model. */
export function PromptsPage({ api }: { api: Api }) {
  const prompts = useLoad(() => api.prompts.list.query());
  const [selected, setSelected] = useState<Prompt>();
  const [variables, setVariables] = useState("{}");
  const [rendered, setRendered] = useState<Rendered>();
  const [error, setError] = useState<string>();

  function select(prompt: Prompt) {
    setSelected(prompt);
    setVariables(JSON.stringify(prompt.inputDefaults, null, 2));
    setRendered(undefined);
    setError(undefined);
  }

  async function render(event: Event) {
    event.preventDefault();
    if (!selected) return;
    setError(undefined);
    try {
      const parsed: unknown = JSON.parse(variables);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new Error("variables must be a JSON object");
      }
      setRendered(
        await api.prompts.render.mutate({
          id: selected.id,
          version: selected.version,
          variables: parsed as JsonObject,
        }),
      );
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  return (
    <section>
      <h2>Prompts</h2>
      <ErrorNote message={prompts.error} />
      {prompts.data?.length === 0 && (
        <p class="hint">No prompts are configured (prompts in the YAML or a prompt directory).</p>
      )}
      <table>
        <TableHead columns={["Id", "Version", "Model", "Source", ""]} />
        <tbody>
          {prompts.data?.map((prompt) => (
            <tr key={`${prompt.id}@${prompt.version ?? ""}`} class={prompt === selected ? "selected" : ""}>
              <td>{prompt.id}</td>
              <td>{prompt.version ?? "—"}</td>
              <td>{prompt.model || "—"}</td>
              <td class="mono">{prompt.source}</td>
              <td>
                <button type="button" onClick={() => select(prompt)}>
                  Render…
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {selected && (
        <form onSubmit={render} aria-label={`Render ${selected.id}`}>
          <label>
            Variables for {selected.id} (JSON)
            <textarea
              name="variables"
              rows={6}
              class="mono"
              value={variables}
              onInput={(event) => setVariables(event.currentTarget.value)}
            />
          </label>
          <button type="submit">Render</button>
          <ErrorNote message={error} />
        </form>
      )}
      {rendered && (
        <div class="rendered">
          <p class="hint">
            Model: {rendered.model || "(the request's)"} · config:{" "}
            <code>{JSON.stringify(rendered.config)}</code>
          </p>
          {rendered.messages.map((message, index) => (
            <div class="message" key={index}>
              <strong>{message.role}</strong>
              <pre>{message.text}</pre>
            </div>
          ))}
        </div>
      )}
    </section>
  );
}
