import { type ListTasksRequest, type ListTasksResponse, Task } from "@a2a-js/sdk";
import type { TaskStore } from "@a2a-js/sdk/server";
import type { Store } from "../store/store.js";

const DEFAULT_PAGE_SIZE = 50;

/**
 * One agent's tasks in the `a2a_tasks` table (migration 3), stored as the
 * protocol's own JSON, so GetTask answers after a restart and on every
 * replica. Tasks are scoped by agent: another agent's task id is not found.
 * Listing filters and pages like the SDK's InMemoryTaskStore (newest status
 * first, cursor = timestamp|id), over the rows of the agent (and context).
 */
export class StoreTaskStore implements TaskStore {
  constructor(
    private readonly store: Store,
    private readonly agentName: string,
  ) {}

  async save(task: Task): Promise<void> {
    await this.store.query(
      `insert into a2a_tasks (id, context_id, agent_name, task) values ($1, $2, $3, $4::jsonb)
       on conflict (id) do update set task = excluded.task, context_id = excluded.context_id, updated_at = now()
       where a2a_tasks.agent_name = excluded.agent_name`,
      [task.id, task.contextId, this.agentName, JSON.stringify(Task.toJSON(task))],
    );
  }

  async load(taskId: string): Promise<Task | undefined> {
    const rows = await this.store.query<{ task: unknown }>(
      "select task from a2a_tasks where id = $1 and agent_name = $2",
      [taskId, this.agentName],
    );
    return rows[0] ? Task.fromJSON(rows[0].task) : undefined;
  }

  async list(params: ListTasksRequest): Promise<ListTasksResponse> {
    const { contextId, status, pageToken, statusTimestampAfter, includeArtifacts } = params;
    const pageSize = params.pageSize || DEFAULT_PAGE_SIZE;
    const rows = contextId
      ? await this.store.query<{ task: unknown }>(
          "select task from a2a_tasks where agent_name = $1 and context_id = $2",
          [this.agentName, contextId],
        )
      : await this.store.query<{ task: unknown }>("select task from a2a_tasks where agent_name = $1", [
          this.agentName,
        ]);
    let tasks = rows.map((row) => Task.fromJSON(row.task));
    if (status) tasks = tasks.filter((task) => task.status?.state === status);
    if (statusTimestampAfter) {
      const after = new Date(statusTimestampAfter).getTime();
      tasks = tasks.filter((task) => new Date(task.status?.timestamp ?? 0).getTime() > after);
    }
    tasks.sort((left, right) => {
      const byTime = (right.status?.timestamp ?? "").localeCompare(left.status?.timestamp ?? "");
      return byTime !== 0 ? byTime : right.id.localeCompare(left.id);
    });
    const totalSize = tasks.length;
    if (pageToken) {
      const [timestamp, ...id] = Buffer.from(pageToken, "base64").toString("utf8").split("|");
      const cursor = tasks.findIndex(
        (task) => (task.status?.timestamp ?? "") === timestamp && task.id === id.join("|"),
      );
      tasks = cursor === -1 ? [] : tasks.slice(cursor + 1);
    }
    const page = tasks.slice(0, pageSize);
    const last = page.at(-1);
    return {
      tasks: includeArtifacts ? page : page.map((task) => ({ ...task, artifacts: [] })),
      nextPageToken:
        last && tasks.length > page.length
          ? Buffer.from(`${last.status?.timestamp ?? ""}|${last.id}`).toString("base64")
          : "",
      pageSize,
      totalSize,
    };
  }
}
