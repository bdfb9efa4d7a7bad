import { useState } from "preact/hooks";
import { type Api, messageOf, type Outputs } from "../api.js";
import { DeleteButton } from "../delete-button.js";
import { ErrorNote } from "../error-note.js";
import { type FieldSpec, Fields } from "../field.js";
import { count, listOf, numberOf, time, usd } from "../format.js";
import { TableHead } from "../table-head.js";
import { useLoad } from "../use-load.js";

type Key = Outputs["keys"]["list"][number];

/** Virtual keys: create (the value shown once), list, block or unblock, regenerate, delete. */
export function KeysPage({ api }: { api: Api }) {
  const keys = useLoad(() => api.keys.list.query({}));
  const [shown, setShown] = useState<{ key: string; alias: string }>();
  const [error, setError] = useState<string>();

  async function run(action: () => Promise<unknown>) {
    setError(undefined);
    try {
      await action();
    } catch (failure) {
      setError(messageOf(failure));
    }
    keys.reload();
  }

  const regenerate = (key: Key) =>
    run(async () => {
      const fresh = await api.keys.regenerate.mutate({ key: key.tokenId });
      setShown({ key: fresh.key, alias: fresh.info.keyAlias || fresh.info.keyName });
    });

  return (
    <section>
      <h2>Virtual keys</h2>
      <CreateKeyForm
        api={api}
        onCreated={(key, alias) => {
          setShown({ key, alias });
          keys.reload();
        }}
      />
      {shown && (
        <div class="once" role="status">
          <p>
            The key for <strong>{shown.alias}</strong>. Copy it now: it is not shown again.
          </p>
          <code data-testid="new-key">{shown.key}</code>
          <button type="button" onClick={() => navigator.clipboard?.writeText(shown.key)}>
            Copy
          </button>
          <button type="button" onClick={() => setShown(undefined)}>
            Done
          </button>
        </div>
      )}
      <ErrorNote message={error ?? keys.error} />
      <table>
        <TableHead
          columns={["Alias", "Key", "Models", "Spend / budget", "rpm · tpm", "Expires", "Status", ""]}
        />
        <tbody data-testid="key-rows">
          {keys.data?.map((key) => (
            <tr key={key.tokenId}>
              <td>{key.keyAlias || "—"}</td>
              <td class="mono">{key.keyName}</td>
              <td>{key.models.length === 0 ? "all" : key.models.join(", ")}</td>
              <td>
                {usd(key.spend)} / {key.maxBudget === undefined ? "∞" : usd(key.maxBudget)}
                {key.budgetDuration && ` per ${key.budgetDuration}`}
              </td>
              <td>
                {count(key.rpmLimit)} · {count(key.tpmLimit)}
              </td>
              <td>{time(key.expiresAt)}</td>
              <td>
                {key.blocked ? (
                  <span class="badge bad">blocked</span>
                ) : (
                  <span class="badge good">active</span>
                )}
              </td>
              <td class="actions">
                {key.blocked ? (
                  <button
                    type="button"
                    onClick={() => run(() => api.keys.unblock.mutate({ key: key.tokenId }))}
                  >
                    Unblock
                  </button>
                ) : (
                  <button
                    type="button"
                    onClick={() => run(() => api.keys.block.mutate({ key: key.tokenId }))}
                  >
                    Block
                  </button>
                )}
                <button type="button" onClick={() => regenerate(key)}>
                  Regenerate
                </button>
                <DeleteButton
                  question={`Delete ${key.keyAlias || key.keyName}? Calls with it stop working at once.`}
                  onDelete={() => run(() => api.keys.delete.mutate({ keys: [key.tokenId] }))}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const keyFields: readonly FieldSpec<
  "alias" | "models" | "maxBudget" | "budgetDuration" | "rpmLimit" | "duration"
>[] = [
  { label: "Alias", name: "alias" },
  { label: "Models (comma-separated; empty: all)", name: "models" },
  { label: "Budget $", name: "maxBudget", inputMode: "decimal" },
  { label: "per", name: "budgetDuration", placeholder: "30d" },
  { label: "rpm", name: "rpmLimit", inputMode: "numeric" },
  { label: "Expires in", name: "duration", placeholder: "90d" },
];

function CreateKeyForm({ api, onCreated }: { api: Api; onCreated: (key: string, alias: string) => void }) {
  const [fields, setFields] = useState({
    alias: "",
    models: "",
    maxBudget: "",
    budgetDuration: "",
    rpmLimit: "",
    duration: "",
  });
  const [error, setError] = useState<string>();

  async function submit(event: Event) {
    event.preventDefault();
    setError(undefined);
    try {
      const created = await api.keys.generate.mutate({
        keyAlias: fields.alias.trim() || undefined,
        models: listOf(fields.models),
        maxBudget: numberOf(fields.maxBudget),
        budgetDuration: fields.budgetDuration.trim() || undefined,
        rpmLimit: numberOf(fields.rpmLimit),
        duration: fields.duration.trim() || undefined,
      });
      onCreated(created.key, created.info.keyAlias || created.info.keyName);
      setFields({ alias: "", models: "", maxBudget: "", budgetDuration: "", rpmLimit: "", duration: "" });
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  return (
    <form class="inline" onSubmit={submit} aria-label="Create a key">
      <Fields specs={keyFields} values={fields} setValues={setFields} />
      <button type="submit">Create key</button>
      <ErrorNote message={error} />
    </form>
  );
}
