import { randomUUID } from "node:crypto";
import type { JsonObject } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentService } from "../../gen/switchyard/v1/agent_pb.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";

const KEY = "sk-agent-messages";
let upstream: FakeOpenAI;
let running: RunningGateway;
let client: ReturnType<typeof createClient<typeof AgentService>>;
const headers = { authorization: `Bearer ${KEY}` };

function userMessage(text: string): JsonObject {
  return { messageId: randomUUID(), role: "ROLE_USER", parts: [{ text }] };
}

function failure(promise: Promise<unknown>): Promise<ConnectError | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => ConnectError.from(error),
  );
}

/** The text of every artifact part of a v1.0 Task in JSON. */
function artifactText(task: JsonObject | undefined): string {
  const artifacts = (task?.artifacts ?? []) as { parts: { text?: string }[] }[];
  return artifacts.flatMap((artifact) => artifact.parts.map((part) => part.text ?? "")).join("");
}

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  running = await startGateway(`
general_settings:
  master_key: ${KEY}
model_list:
  - model_name: chat
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstream.url}, api_key: sk-up }
  - model_name: slow-chat
    litellm_params: { model: openai/slow-stream-40, api_base: ${upstream.url}, api_key: sk-up }
agents:
  - agent_name: echo
    agent_card_params: { name: Echo, description: Echoes through the router }
    litellm_params: { model: chat }
  - agent_name: slow
    agent_card_params: { name: Slow, description: Streams slowly }
    litellm_params: { model: slow-chat }
`);
  client = createClient(AgentService, createGrpcTransport({ baseUrl: running.url }));
}, 30_000);

afterAll(async () => {
  await running?.close();
  await upstream?.close();
});

describe("AgentService talks to agents over gRPC", () => {
  it("sends a message, and gets the task back by id", async () => {
    const { result } = await client.sendAgentMessage(
      { agentName: "echo", message: userMessage("hello over grpc") },
      { headers },
    );
    const task = result?.task as JsonObject | undefined;
    expect(task?.status).toMatchObject({ state: "TASK_STATE_COMPLETED" });
    expect(artifactText(task)).toBe("echo: hello over grpc");

    const fetched = await client.getAgentTask({ agentName: "echo", taskId: String(task?.id) }, { headers });
    expect(fetched.task?.id).toBe(task?.id);
    expect(artifactText(fetched.task)).toBe("echo: hello over grpc");
  });

  it("streams the task's events: the task, status updates, artifact appends", async () => {
    const kinds: string[] = [];
    let text = "";
    for await (const { event } of client.streamAgentMessage(
      { agentName: "echo", message: userMessage("one two three four") },
      { headers },
    )) {
      const kind = Object.keys(event ?? {})[0] ?? "";
      kinds.push(kind);
      if (kind === "artifactUpdate") {
        const update = event?.artifactUpdate as { artifact: { parts: { text?: string }[] } };
        text += update.artifact.parts.map((part) => part.text ?? "").join("");
      }
    }
    expect(kinds[0]).toBe("task");
    expect(kinds.filter((kind) => kind === "artifactUpdate").length).toBeGreaterThan(1);
    expect(kinds.at(-1)).toBe("statusUpdate");
    expect(text).toBe("echo: one two three four");
  });

  it("cancels a running streaming task, which closes the upstream call", async () => {
    const stream = client.streamAgentMessage(
      { agentName: "slow", message: userMessage("a long answer with many many words in it") },
      { headers },
    );
    let taskId = "";
    for await (const { event } of stream) {
      if (event?.artifactUpdate) {
        taskId = String((event.artifactUpdate as JsonObject).taskId);
        break;
      }
    }
    const { task } = await client.cancelAgentTask({ agentName: "slow", taskId }, { headers });
    expect(task?.status).toMatchObject({ state: "TASK_STATE_CANCELED" });
    expect((await upstream.nextAbort()).aborted).toBe(true);
    const again = await failure(
      client.cancelAgentTask({ agentName: "slow", taskId: "no-such-task" }, { headers }),
    );
    expect(again?.code).toBe(Code.NotFound);
  });

  it("maps failures to Connect codes and needs the gateway key", async () => {
    const unknownAgent = await failure(
      client.sendAgentMessage({ agentName: "nobody", message: userMessage("hi") }, { headers }),
    );
    expect(unknownAgent?.code).toBe(Code.NotFound);
    const unknownTask = await failure(
      client.getAgentTask({ agentName: "echo", taskId: "missing" }, { headers }),
    );
    expect(unknownTask?.code).toBe(Code.NotFound);
    const badParams = await failure(client.sendAgentMessage({ agentName: "echo" }, { headers }));
    expect(badParams?.code).toBe(Code.InvalidArgument);
    const completed = await client.sendAgentMessage(
      { agentName: "echo", message: userMessage("done soon") },
      { headers },
    );
    const notCancelable = await failure(
      client.cancelAgentTask(
        { agentName: "echo", taskId: String((completed.result?.task as JsonObject | undefined)?.id) },
        { headers },
      ),
    );
    expect(notCancelable?.code).toBe(Code.FailedPrecondition);
    const anonymous = await failure(
      client.sendAgentMessage({ agentName: "echo", message: userMessage("hi") }),
    );
    expect(anonymous?.code).toBe(Code.Unauthenticated);
  });
});
