import { fileURLToPath } from "node:url";
import { type AgentCard, TaskState } from "@a2a-js/sdk";
import {
  type Client,
  ClientFactory,
  ClientFactoryOptions,
  DefaultAgentCardResolver,
} from "@a2a-js/sdk/client";
import { GrpcTransportFactory } from "@a2a-js/sdk/client/grpc";
import { RequestMalformedError, TaskNotFoundError } from "@a2a-js/sdk/errors";
import { decodeErrorInfo, decodeStatus, GRPC_STATUS_DETAILS_BIN } from "@a2a-js/sdk/errors/grpc";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StoreGateway, startStoreGateway } from "../credentials-e2e/store-gateway.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { echoAndWaitingAgents } from "../helpers/a2a-agents-config.js";
import { sendParams, userMessage } from "../helpers/a2a-client.js";

const KEY = "sk-a2a-grpc";
const AUTH = { serviceParameters: { authorization: `Bearer ${KEY}` } };
let upstream: FakeOpenAI;
let gateway: StoreGateway;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  gateway = await startStoreGateway(echoAndWaitingAgents(KEY, upstream.url));
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

/** The official SDK client over its gRPC transport, chosen from the agent's card like any client would. */
function grpcClient(agent: string): Promise<Client> {
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new GrpcTransportFactory()],
      preferredTransports: ["GRPC"],
      cardResolver: new DefaultAgentCardResolver({ fetchImpl: fetch }),
    }),
  );
  return factory.createFromUrl(`${gateway.url}/a2a/${agent}/`);
}

/** What a rejected call threw. */
async function failure(call: Promise<unknown>): Promise<Error & { status?: number }> {
  try {
    await call;
  } catch (error) {
    return error as Error & { status?: number };
  }
  throw new Error("expected the call to fail");
}

describe("A2A gRPC binding (lf.a2a.v1.A2AService on the gateway's port)", () => {
  it("is advertised in the v1.0 card as host:port with the agent as tenant", async () => {
    const card = (await (
      await fetch(`${gateway.url}/a2a/echo/.well-known/agent-card.json`)
    ).json()) as AgentCard;
    expect(card.supportedInterfaces).toContainEqual({
      url: new URL(gateway.url).host,
      protocolBinding: "GRPC",
      protocolVersion: "1.0",
      tenant: "echo",
    });
  });

  it("sends, streams, gets and lists tasks through the SDK's gRPC client", async () => {
    const client = await grpcClient("echo");
    const sent = await client.sendMessage(sendParams("over grpc"), AUTH);
    if (!("artifacts" in sent)) throw new Error("expected a task");
    expect(sent.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(sent.artifacts[0]?.parts.map((part) => part.content?.value)).toEqual(["echo: over grpc"]);
    const fetched = await client.getTask({ tenant: "", id: sent.id, historyLength: undefined }, AUTH);
    expect(fetched.id).toBe(sent.id);
    expect(fetched.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const listed = await client.listTasks(
      {
        tenant: "",
        contextId: sent.contextId,
        status: 0,
        pageSize: 10,
        pageToken: "",
        historyLength: undefined,
        statusTimestampAfter: undefined,
        includeArtifacts: false,
      },
      AUTH,
    );
    expect(listed.tasks.map((task) => task.id)).toEqual([sent.id]);

    const cases: string[] = [];
    const text: string[] = [];
    for await (const event of client.sendMessageStream(sendParams("streamed over grpc"), AUTH)) {
      if (event.payload) cases.push(event.payload.$case);
      if (event.payload?.$case === "artifactUpdate") {
        for (const part of event.payload.value.artifact?.parts ?? []) {
          if (part.content?.$case === "text") text.push(part.content.value);
        }
      }
    }
    expect(cases[0]).toBe("task");
    expect(cases).toContain("artifactUpdate");
    expect(cases.at(-1)).toBe("statusUpdate");
    expect(text.join("")).toBe("echo: streamed over grpc");
  });

  it("streams a slow upstream's answer chunk by chunk as artifact updates", async () => {
    const client = await grpcClient("slow");
    const chunks: string[] = [];
    let last: TaskState | undefined;
    for await (const event of client.sendMessageStream(sendParams("one word at a time"), AUTH)) {
      if (event.payload?.$case === "artifactUpdate") {
        for (const part of event.payload.value.artifact?.parts ?? []) {
          if (part.content?.$case === "text") chunks.push(part.content.value);
        }
      }
      if (event.payload?.$case === "statusUpdate") last = event.payload.value.status?.state;
    }
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join("")).toBe("echo: one word at a time");
    expect(last).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it("cancels an in-flight task: the open stream ends with the canceled status, the upstream call is aborted", async () => {
    const client = await grpcClient("waiting");
    const aborted = upstream.nextAbort();
    const stream = client.sendMessageStream(sendParams("take your time"), AUTH);
    const opening = await stream.next();
    if (opening.done || opening.value.payload?.$case !== "task") throw new Error("expected the task first");
    const id = opening.value.payload.value.id;
    const canceled = await client.cancelTask({ tenant: "", id, metadata: {} }, AUTH);
    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    let last: TaskState | undefined;
    for await (const event of stream) {
      if (event.payload?.$case === "statusUpdate") last = event.payload.value.status?.state;
    }
    expect(last).toBe(TaskState.TASK_STATE_CANCELED);
    expect((await aborted).aborted).toBe(true);
    const stored = await client.getTask({ tenant: "", id, historyLength: undefined }, AUTH);
    expect(stored.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
  });

  it("answers the spec's gRPC codes: unknown task, bad input, key, agent", async () => {
    const client = await grpcClient("echo");
    const subscribe = async () => {
      for await (const _ of client.resubscribeTask({ tenant: "", id: "no-such-task" }, AUTH)) {
        // no event is expected
      }
    };
    const unknownTask = await failure(subscribe());
    expect(unknownTask).toBeInstanceOf(TaskNotFoundError);
    expect(unknownTask.status).toBe(grpc.status.NOT_FOUND);

    const empty = { ...sendParams("x"), message: { ...userMessage("x"), parts: [] } };
    const badInput = await failure(client.sendMessage(empty, AUTH));
    expect(badInput).toBeInstanceOf(RequestMalformedError);
    expect(badInput.status).toBe(grpc.status.INVALID_ARGUMENT);
    expect(badInput.message).toContain("message.parts");

    const anonymous = await failure(client.getTask({ tenant: "", id: "x", historyLength: undefined }));
    expect(anonymous.status).toBe(grpc.status.UNAUTHENTICATED);
    const wrongKey = await failure(
      client.getTask(
        { tenant: "", id: "x", historyLength: undefined },
        { serviceParameters: { authorization: "Bearer sk-wrong" } },
      ),
    );
    expect(wrongKey.status).toBe(grpc.status.UNAUTHENTICATED);

    const unknownAgent = await failure(
      client.getTask({ tenant: "ghost", id: "x", historyLength: undefined }, AUTH),
    );
    expect(unknownAgent.status).toBe(grpc.status.NOT_FOUND);
    expect(unknownAgent.message).toContain("ghost");
  });
});

describe("A2A gRPC binding from the vendored proto (grpc-js + proto-loader)", () => {
  const protoDir = fileURLToPath(new URL("../../proto", import.meta.url));

  /** A plain grpc-js client of lf.a2a.v1.A2AService, generated at run time from proto/lf/a2a/v1/a2a.proto. */
  function rawClient(): grpc.Client & Record<string, (...args: unknown[]) => grpc.ClientUnaryCall> {
    const definition = protoLoader.loadSync("lf/a2a/v1/a2a.proto", {
      includeDirs: [protoDir],
      keepCase: false,
      longs: String,
      enums: String,
      defaults: false,
      oneofs: true,
    });
    const loaded = grpc.loadPackageDefinition(definition) as unknown as {
      lf: { a2a: { v1: { A2AService: grpc.ServiceClientConstructor } } };
    };
    const Service = loaded.lf.a2a.v1.A2AService;
    return new Service(new URL(gateway.url).host, grpc.credentials.createInsecure()) as never;
  }

  function unary(method: string, request: object, key = KEY): Promise<grpc.ServiceError> {
    const client = rawClient();
    const metadata = new grpc.Metadata();
    metadata.set("authorization", `Bearer ${key}`);
    return new Promise((resolve, reject) => {
      client[method]?.(request, metadata, (error: grpc.ServiceError | null) => {
        client.close();
        if (error) resolve(error);
        else reject(new Error(`${method} succeeded`));
      });
    });
  }

  /** The google.rpc.ErrorInfo in the error's grpc-status-details-bin. */
  function errorInfoOf(error: grpc.ServiceError) {
    const [details] = error.metadata.get(GRPC_STATUS_DETAILS_BIN);
    const status = decodeStatus(Buffer.from(details as Buffer));
    expect(status.code).toBe(error.code);
    return decodeErrorInfo(Buffer.from(status.details[0]?.value ?? []));
  }

  it("names the A2A error in a google.rpc.ErrorInfo of grpc-status-details-bin", async () => {
    const error = await unary("getTask", { tenant: "echo", id: "no-such-task" });
    expect(error.code).toBe(grpc.status.NOT_FOUND);
    expect(errorInfoOf(error)).toMatchObject({ reason: "TASK_NOT_FOUND", domain: "a2a-protocol.org" });
  });

  it("answers push-notification config calls with the spec's not-supported error", async () => {
    const error = await unary("createTaskPushNotificationConfig", {
      tenant: "echo",
      taskId: "t",
      url: "https://example.com/hook",
    });
    expect(error.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(errorInfoOf(error).reason).toBe("PUSH_NOTIFICATION_NOT_SUPPORTED");
  });

  it("answers GetExtendedAgentCard as the other bindings do: no extended card", async () => {
    const error = await unary("getExtendedAgentCard", { tenant: "echo" });
    expect(error.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(errorInfoOf(error).reason).toBe("UNSUPPORTED_OPERATION");
  });

  it("refuses a call that names no agent, a negative historyLength and another A2A version", async () => {
    const noTenant = await unary("getTask", { id: "x" });
    expect(noTenant.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(noTenant.details).toContain("tenant");
    const negative = await unary("getTask", { tenant: "echo", id: "x", historyLength: -1 });
    expect(negative.code).toBe(grpc.status.INVALID_ARGUMENT);
    const client = rawClient();
    const metadata = new grpc.Metadata();
    metadata.set("authorization", `Bearer ${KEY}`);
    metadata.set("a2a-version", "0.3");
    const version = await new Promise<grpc.ServiceError>((resolve) => {
      client.getTask?.({ tenant: "echo", id: "x" }, metadata, (error: grpc.ServiceError) => {
        client.close();
        resolve(error);
      });
    });
    expect(version.code).toBe(grpc.status.FAILED_PRECONDITION);
  });
});
