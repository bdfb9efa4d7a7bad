import { useState } from "preact/hooks";
import { type Api, messageOf } from "../api.js";
import { DeleteButton } from "../delete-button.js";
import { ErrorNote } from "../error-note.js";
import { time } from "../format.js";
import { TableHead } from "../table-head.js";
import { useAction } from "../use-action.js";
import { useLoad } from "../use-load.js";

/** "api_key=sk-…" lines → { api_key: "sk-…" }; blank lines skipped. */
function valuesOf(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const at = line.indexOf("=");
    if (line.trim() === "") continue;
    if (at <= 0) throw new Error(`"${line.trim()}" is not field=value`);
    values[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return values;
}

/**
 * Provider credentials: stored ones (encrypted, shown masked; create, rotate
 * values, delete) and the config file's, shown masked and read-only.
 */
export function CredentialsPage({ api }: { api: Api }) {
  const credentials = useLoad(() => api.credentials.list.query());
  const { error, run } = useAction(credentials.reload);
  const [rotating, setRotating] = useState<string>();

  return (
    <section>
      <h2>Credentials</h2>
      <ValuesForm
        label="Create a credential"
        withName
        submit="Create"
        onSubmit={(name, values, provider) =>
          run(() =>
            api.credentials.create.mutate({
              name,
              values,
              info: provider ? { custom_llm_provider: provider } : undefined,
            }),
          )
        }
      />
      <ErrorNote message={error ?? credentials.error} />
      <table>
        <TableHead columns={["Name", "Values (masked)", "Info", "Source", "Updated", ""]} />
        <tbody>
          {credentials.data?.map((credential) => (
            <tr key={credential.name}>
              <td>{credential.name}</td>
              <td class="mono">
                {Object.entries(credential.maskedValues).map(([field, value]) => (
                  <div key={field}>
                    {field}: {value}
                  </div>
                ))}
              </td>
              <td class="mono">{JSON.stringify(credential.info)}</td>
              <td>{credential.source === "config" ? "config file" : "database"}</td>
              <td>{time(credential.updatedAt)}</td>
              <td class="actions">
                {credential.source === "config" ? (
                  <span title="Change it in the config file's credential_list">read-only</span>
                ) : rotating === credential.name ? (
                  <>
                    <ValuesForm
                      label={`New values for ${credential.name}`}
                      submit="Save"
                      onSubmit={async (_name, values) => {
                        const saved = await run(() =>
                          api.credentials.update.mutate({ name: credential.name, values }),
                        );
                        if (saved) setRotating(undefined);
                        return saved;
                      }}
                    />
                    <button type="button" onClick={() => setRotating(undefined)}>
                      Cancel
                    </button>
                  </>
                ) : (
                  <button type="button" onClick={() => setRotating(credential.name)}>
                    Rotate
                  </button>
                )}
                {credential.source !== "config" && (
                  <DeleteButton
                    question={`Delete credential ${credential.name}?`}
                    onDelete={() => run(() => api.credentials.delete.mutate({ name: credential.name }))}
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

interface ValuesFormProps {
  readonly label: string;
  readonly submit: string;
  readonly withName?: boolean;
  /** Resolves true when the values were taken (the form then clears). */
  readonly onSubmit: (name: string, values: Record<string, string>, provider: string) => Promise<boolean>;
}

function ValuesForm({ label, submit, withName, onSubmit }: ValuesFormProps) {
  const [name, setName] = useState("");
  const [provider, setProvider] = useState("");
  const [values, setValues] = useState("");
  const [error, setError] = useState<string>();

  async function send(event: Event) {
    event.preventDefault();
    setError(undefined);
    let parsed: Record<string, string>;
    try {
      parsed = valuesOf(values);
    } catch (failure) {
      setError(messageOf(failure));
      return;
    }
    if (await onSubmit(name.trim(), parsed, provider.trim())) {
      setName("");
      setProvider("");
      setValues("");
    }
  }

  return (
    <form class="inline" onSubmit={send} aria-label={label}>
      {withName && (
        <>
          <label>
            Name
            <input
              name="name"
              required
              value={name}
              onInput={(event) => setName(event.currentTarget.value)}
            />
          </label>
          <label>
            Provider
            <input
              name="provider"
              placeholder="openai"
              value={provider}
              onInput={(event) => setProvider(event.currentTarget.value)}
            />
          </label>
        </>
      )}
      <label>
        Values, one field=value per line
        <textarea
          name="values"
          rows={2}
          required
          placeholder="api_key=sk-…"
          value={values}
          onInput={(event) => setValues(event.currentTarget.value)}
        />
      </label>
      <button type="submit">{submit}</button>
      <ErrorNote message={error} />
    </form>
  );
}
