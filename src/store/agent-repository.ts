import type { ChangeChannelOptions } from "./change-channel.js";
import { changeTimesOf, type TimestampedRow } from "./entity-repository.js";
import {
  type NameChangedListener,
  NamedRowRepository,
  type NamedRows,
  namedRowErrors,
} from "./named-row-repository.js";
import type { Store } from "./store.js";

/** One row of `agents`. */
export interface AgentRecord {
  name: string;
  /** agent_card_params as given. */
  cardParams: Record<string, unknown>;
  /** litellm_params as given (`{}` for a remote agent). */
  litellmParams: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewAgent {
  name: string;
  cardParams: Record<string, unknown>;
  litellmParams?: Record<string, unknown>;
}

/** Parts given here replace the stored ones whole; parts left out stay as they are. */
export interface AgentPatch {
  cardParams?: Record<string, unknown>;
  litellmParams?: Record<string, unknown>;
}

interface AgentRow extends TimestampedRow {
  agent_name: string;
  agent_card_params: Record<string, unknown>;
  litellm_params: Record<string, unknown>;
}

const columns = "agent_name, agent_card_params, litellm_params, created_at, updated_at";

const agentErrors = namedRowErrors("agent");

export const agentNotFound = agentErrors.notFound;

const agentRows: NamedRows<AgentRow, AgentRecord, NewAgent> = {
  table: "agents",
  channel: "switchyard_agents_changed",
  nameColumn: "agent_name",
  columns,
  insert:
    "insert into agents (agent_name, agent_card_params, litellm_params) values ($1, $2::jsonb, $3::jsonb)",
  insertValues: (agent) => [
    agent.name,
    JSON.stringify(agent.cardParams),
    JSON.stringify(agent.litellmParams ?? {}),
  ],
  nameOf: (agent) => agent.name,
  toEntity: toRecord,
  ...agentErrors,
};

/**
 * The `agents` table. It stores what it is given (the service checks it
 * first). Every write NOTIFYs its channel inside its own transaction, so
 * other replicas hear of it exactly when it commits.
 */
export class AgentRepository extends NamedRowRepository<AgentRow, AgentRecord, NewAgent> {
  constructor(store: Store, options: ChangeChannelOptions = {}) {
    super(store, options, agentRows);
  }

  /** Replaces the given parts. Throws NotFound for an unknown name. */
  async update(name: string, patch: AgentPatch): Promise<AgentRecord> {
    return this.store.transaction(async (transaction) => {
      const [row] = await transaction.query<AgentRow>(
        `update agents
         set agent_card_params = coalesce($2::jsonb, agent_card_params),
             litellm_params = coalesce($3::jsonb, litellm_params),
             updated_at = now()
         where agent_name = $1
         returning ${columns}`,
        [
          name,
          patch.cardParams === undefined ? null : JSON.stringify(patch.cardParams),
          patch.litellmParams === undefined ? null : JSON.stringify(patch.litellmParams),
        ],
      );
      if (!row) throw agentNotFound(name);
      await this.changes.notify(transaction, name);
      return toRecord(row);
    });
  }

  /**
   * Listens for changes made by any replica, this one included. Resolves
   * once listening, with the function that stops it.
   */
  onAgentsChanged(listener: NameChangedListener): Promise<() => Promise<void>> {
    return this.listen(listener);
  }
}

function toRecord(row: AgentRow): AgentRecord {
  return {
    name: row.agent_name,
    cardParams: row.agent_card_params,
    litellmParams: row.litellm_params,
    ...changeTimesOf(row),
  };
}
