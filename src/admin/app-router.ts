import type { AgentHandlers } from "../services/agent-service.js";
import type { CredentialHandlers } from "../services/credential-service.js";
import type { KeyHandlers } from "../services/key-service.js";
import type { PromptHandlers } from "../services/prompt-service.js";
import { agentsRouter } from "./agents-router.js";
import { credentialsRouter } from "./credentials-router.js";
import { type HealthDeps, healthRouter } from "./health-router.js";
import { keysRouter } from "./keys-router.js";
import { type ModelsDeps, modelsRouter } from "./models-router.js";
import { promptsRouter } from "./prompts-router.js";
import { logsRouter, type SpendQueries, spendRouter } from "./spend-router.js";
import { adminProcedure, adminRouter } from "./trpc.js";

/** The service objects the admin API calls: the same ones every other door calls. */
export interface AdminDeps extends ModelsDeps, HealthDeps {
  readonly credentials: CredentialHandlers;
  readonly keys: KeyHandlers;
  readonly agents: Pick<AgentHandlers, "listAgents" | "createAgent" | "deleteAgent">;
  readonly prompts: PromptHandlers;
  /** Absent when the gateway runs without a database. */
  readonly spend?: SpendQueries;
}

/** Who the console is logged in as. */
export type SessionInfo =
  | { readonly kind: "master" }
  | { readonly kind: "admin_key"; readonly keyName: string; readonly keyAlias?: string };

/** The admin API served at /trpc; its type (AppRouter) is what typed clients import. */
export function createAppRouter(deps: AdminDeps) {
  return adminRouter({
    session: adminRouter({
      /** Checks the key is an administrator's (the console's login) and says whose it is. */
      whoami: adminProcedure.query(({ ctx }): SessionInfo => {
        const principal = ctx.principal;
        if (principal.kind !== "virtual_key") return { kind: "master" };
        return {
          kind: "admin_key",
          keyName: principal.key.keyName,
          keyAlias: principal.key.keyAlias,
        };
      }),
    }),
    models: modelsRouter(deps),
    credentials: credentialsRouter(deps.credentials),
    keys: keysRouter(deps.keys),
    agents: agentsRouter(deps.agents),
    prompts: promptsRouter(deps.prompts),
    spend: spendRouter(deps),
    logs: logsRouter(deps),
    health: healthRouter(deps),
  });
}

export type AppRouter = ReturnType<typeof createAppRouter>;
