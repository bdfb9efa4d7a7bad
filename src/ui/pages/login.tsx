import { useState } from "preact/hooks";
import { createApi, messageOf, type Outputs } from "../api.js";
import { ErrorNote } from "../error-note.js";

export type Session = Outputs["session"]["whoami"];

/** Asks for the master key or an admin key, and checks it with the gateway before keeping it. */
export function LoginPage({ onLogin }: { onLogin: (key: string, session: Session) => void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const candidate = key.trim();
      onLogin(candidate, await createApi(candidate).session.whoami.query());
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="login">
      <h1>Switchyard</h1>
      <form onSubmit={submit}>
        <label>
          Master key or admin key
          <input
            name="key"
            type="password"
            autocomplete="off"
            required
            value={key}
            onInput={(event) => setKey(event.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={busy}>
          Log in
        </button>
        <p class="hint">Kept in this tab only (sessionStorage), and forgotten when it closes.</p>
        <ErrorNote message={error} />
      </form>
    </main>
  );
}
