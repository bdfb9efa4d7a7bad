import type { ComponentType } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { type Api, createApi } from "./api.js";
import { AgentsPage } from "./pages/agents.js";
import { CredentialsPage } from "./pages/credentials.js";
import { KeysPage } from "./pages/keys.js";
import { LoginPage, type Session } from "./pages/login.js";
import { ModelsPage } from "./pages/models.js";
import { PlaygroundPage } from "./pages/playground.js";
import { PromptsPage } from "./pages/prompts.js";
import { SpendPage } from "./pages/spend.js";
import { BASE, navigate, usePath } from "./router.js";
import { clearKey, loadKey, saveKey } from "./session.js";

interface PageProps {
  readonly api: Api;
  readonly sessionKey: string;
}

const pages: readonly { path: string; title: string; Page: ComponentType<PageProps> }[] = [
  { path: "models", title: "Models", Page: ModelsPage },
  { path: "keys", title: "Keys", Page: KeysPage },
  { path: "credentials", title: "Credentials", Page: CredentialsPage },
  { path: "agents", title: "Agents", Page: AgentsPage },
  { path: "prompts", title: "Prompts", Page: PromptsPage },
  { path: "spend", title: "Spend", Page: SpendPage },
  { path: "playground", title: "Playground", Page: PlaygroundPage },
];

export function App() {
  const [key, setKey] = useState(loadKey);
  const [session, setSession] = useState<Session>();
  const logOut = () => {
    clearKey();
    setSession(undefined);
    setKey(undefined);
  };
  // A key that stops working mid-session (revoked, blocked, expired) ends the session.
  const api = useMemo(() => (key ? createApi(key, logOut) : undefined), [key]);
  const path = usePath();
  // After a reload the key is still in this tab; who it belongs to is asked again (and checked).
  useEffect(() => {
    if (api && !session) api.session.whoami.query().then(setSession, () => {});
  }, [api, session]);

  if (!api || !key) {
    return (
      <LoginPage
        onLogin={(accepted, who) => {
          saveKey(accepted);
          setSession(who);
          setKey(accepted);
        }}
      />
    );
  }

  const page = pages.find((candidate) => path === `${BASE}/${candidate.path}`) ?? pages[0]!;
  return (
    <div class="shell">
      <header>
        <strong>Switchyard</strong>
        <nav>
          {pages.map((candidate) => (
            <a
              key={candidate.path}
              href={`${BASE}/${candidate.path}`}
              aria-current={candidate === page ? "page" : undefined}
              onClick={(event) => {
                event.preventDefault();
                navigate(`${BASE}/${candidate.path}`);
              }}
            >
              {candidate.title}
            </a>
          ))}
        </nav>
        <span class="who">
          {session?.kind === "admin_key" ? (session.keyAlias ?? session.keyName) : "master key"}
        </span>
        <button type="button" onClick={logOut}>
          Log out
        </button>
      </header>
      <main>
        <page.Page api={api} sessionKey={key} key={page.path} />
      </main>
    </div>
  );
}
