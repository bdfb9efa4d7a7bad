import {
  AgentCard as SdkAgentCard,
  CancelTaskRequest as SdkCancelTaskRequest,
  GetExtendedAgentCardRequest as SdkGetExtendedAgentCardRequest,
  GetTaskRequest as SdkGetTaskRequest,
  ListTasksRequest as SdkListTasksRequest,
  ListTasksResponse as SdkListTasksResponse,
  SendMessageRequest as SdkSendMessageRequest,
  SendMessageResponse as SdkSendMessageResponse,
  StreamResponse as SdkStreamResponse,
  SubscribeToTaskRequest as SdkSubscribeToTaskRequest,
  Task as SdkTask,
} from "@a2a-js/sdk";
import {
  A2A_ERROR_DOMAIN,
  A2AError,
  PushNotificationNotSupportedError,
  RequestMalformedError,
  VersionNotSupportedError,
} from "@a2a-js/sdk/errors";
import { grpcStatusFor } from "@a2a-js/sdk/errors/grpc";
import { ServerCallContext } from "@a2a-js/sdk/server";
import {
  type DescMessage,
  fromJson,
  type JsonObject,
  type JsonValue,
  type MessageShape,
  toJson,
} from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import {
  type A2AService,
  AgentCardSchema,
  CancelTaskRequestSchema,
  GetExtendedAgentCardRequestSchema,
  GetTaskRequestSchema,
  ListTasksRequestSchema,
  ListTasksResponseSchema,
  SendMessageRequestSchema,
  SendMessageResponseSchema,
  StreamResponseSchema,
  SubscribeToTaskRequestSchema,
  TaskSchema,
} from "../../gen/lf/a2a/v1/a2a_pb.js";
import { principalKey } from "../auth/context-keys.js";
import type { A2AAgents, ServedAgent } from "./a2a-routes.js";
import { reachableAgent } from "./agent-calls.js";
import type { AgentRequestHandler } from "./agent-request-handler.js";
import { GatewayUser } from "./gateway-user.js";
import { invalidParams } from "./request-validation.js";

type A2AHandlers = ServiceImpl<typeof A2AService>;

/** A request of the A2A binding: every one names its agent in `tenant`. */
interface TenantRequest {
  readonly tenant: string;
}

const JSON_OPTIONS = { ignoreUnknownFields: true } as const;

/**
 * A2A v1.0's gRPC binding (`lf.a2a.v1.A2AService`, the spec's own proto) on
 * the gateway's port, through each agent's one request handler (the same
 * tasks as the JSON-RPC and HTTP+JSON bindings). Several agents share one
 * gRPC endpoint, so the request's `tenant` names the agent: the spec's
 * multi-agent routing field, which the agent card's GRPC interface
 * advertises and the SDK clients echo. Messages cross to the SDK's types
 * through their proto3 JSON (one shape on both sides); requests are checked
 * like the JSON-RPC door's; A2A errors carry the spec's gRPC code and a
 * google.rpc.ErrorInfo (reason, domain "a2a-protocol.org") in the details.
 * Push notifications are not supported (FAILED_PRECONDITION, as the spec's
 * table says for PushNotificationNotSupportedError).
 */
export function createA2AGrpcService(agents: A2AAgents): A2AHandlers {
  /** A unary method: the agent and request prepared, the handler's answer (as SDK JSON) as the method's proto. */
  const unary =
    <In extends DescMessage, Out extends DescMessage>(
      method: string,
      input: In,
      output: Out,
      run: Run<unknown>,
    ) =>
    async (
      request: MessageShape<In> & TenantRequest,
      context: HandlerContext,
    ): Promise<MessageShape<Out>> => {
      const { agent, json, call } = await prepare(agents, method, input, request, context);
      return proto(output, await answered(run(agent.handler, json, call)));
    };
  /** A server-streaming method: the handler's events as proto StreamResponses. */
  const streaming = <In extends DescMessage>(method: string, input: In, run: Run<SdkEvents>) =>
    async function* (request: MessageShape<In> & TenantRequest, context: HandlerContext) {
      const { agent, json, call } = await prepare(agents, method, input, request, context);
      yield* streamed(await run(agent.handler, json, call));
    };

  return {
    sendMessage: unary(
      "SendMessage",
      SendMessageRequestSchema,
      SendMessageResponseSchema,
      async (handler, json, call) => {
        const result = await handler.sendMessage(SdkSendMessageRequest.fromJSON(json), call);
        const payload =
          "artifacts" in result
            ? ({ $case: "task", value: result } as const)
            : ({ $case: "message", value: result } as const);
        return SdkSendMessageResponse.toJSON({ payload });
      },
    ),
    sendStreamingMessage: streaming(
      "SendStreamingMessage",
      SendMessageRequestSchema,
      async (handler, json, call) => handler.sendMessageStream(SdkSendMessageRequest.fromJSON(json), call),
    ),
    getTask: unary("GetTask", GetTaskRequestSchema, TaskSchema, async (handler, json, call) =>
      SdkTask.toJSON(await handler.getTask(SdkGetTaskRequest.fromJSON(json), call)),
    ),
    listTasks: unary(
      "ListTasks",
      ListTasksRequestSchema,
      ListTasksResponseSchema,
      async (handler, json, call) =>
        SdkListTasksResponse.toJSON(await handler.listTasks(SdkListTasksRequest.fromJSON(json), call)),
    ),
    cancelTask: unary("CancelTask", CancelTaskRequestSchema, TaskSchema, async (handler, json, call) =>
      SdkTask.toJSON(await handler.cancelTask(SdkCancelTaskRequest.fromJSON(json), call)),
    ),
    subscribeToTask: streaming("SubscribeToTask", SubscribeToTaskRequestSchema, async (handler, json, call) =>
      handler.resubscribe(SdkSubscribeToTaskRequest.fromJSON(json), call),
    ),
    getExtendedAgentCard: unary(
      "GetExtendedAgentCard",
      GetExtendedAgentCardRequestSchema,
      AgentCardSchema,
      async (handler, json, call) =>
        SdkAgentCard.toJSON(
          await handler.getAuthenticatedExtendedAgentCard(
            SdkGetExtendedAgentCardRequest.fromJSON(json),
            call,
          ),
        ),
    ),
    createTaskPushNotificationConfig: pushNotSupported(agents),
    getTaskPushNotificationConfig: pushNotSupported(agents),
    listTaskPushNotificationConfigs: pushNotSupported(agents),
    deleteTaskPushNotificationConfig: pushNotSupported(agents),
  };
}

/** One call on an agent's request handler with the prepared request (proto3 JSON) and call context. */
type Run<Answer> = (
  handler: AgentRequestHandler,
  json: JsonObject,
  call: ServerCallContext,
) => Promise<Answer>;

type SdkEvents = AsyncGenerator<SdkStreamResponse, void, undefined>;

/**
 * The agent `tenant` names, checked for the caller (unknown → NOT_FOUND, a
 * key without the agent → PERMISSION_DENIED, unreachable remote agent →
 * UNAVAILABLE), and the request as proto3 JSON without `tenant`, checked
 * against the A2A schema (→ INVALID_ARGUMENT).
 */
async function prepare<Desc extends DescMessage>(
  agents: A2AAgents,
  method: string,
  schema: Desc,
  request: MessageShape<Desc> & TenantRequest,
  context: HandlerContext,
): Promise<{ agent: ServedAgent; json: JsonObject; call: ServerCallContext }> {
  const version = context.requestHeader.get("a2a-version")?.trim();
  if (version && version !== "1.0" && version !== "1") {
    throw grpcError(new VersionNotSupportedError(`The gRPC binding serves A2A 1.0, not ${version}.`));
  }
  if (request.tenant.trim() === "") {
    throw new ConnectError(
      "tenant must name the agent (the tenant of the agent card's GRPC interface)",
      Code.InvalidArgument,
    );
  }
  const principal = context.values.get(principalKey);
  const agent = await reachableAgent(agents, request.tenant, principal);
  const json = toJson(schema, request) as JsonObject;
  delete json.tenant;
  const problem = invalidParams("1.0", method, json);
  if (problem) throw grpcError(new RequestMalformedError(`Invalid params: ${problem}.`));
  const call = new ServerCallContext({ user: new GatewayUser(principal), requestedVersion: "1.0" });
  return { agent, json, call };
}

/** The handler's answer, its A2A errors as gRPC errors. */
async function answered<T>(answer: Promise<T>): Promise<T> {
  try {
    return await answer;
  } catch (error) {
    throw grpcError(error);
  }
}

/**
 * The handler's stream as proto StreamResponses. Leaving early (the client
 * went away) stops the reading, not the task, as on the other bindings.
 */
async function* streamed(events: SdkEvents) {
  try {
    for await (const event of events) {
      yield proto(StreamResponseSchema, SdkStreamResponse.toJSON(event));
    }
  } catch (error) {
    throw grpcError(error);
  }
}

function pushNotSupported(agents: A2AAgents) {
  return async (request: TenantRequest, context: HandlerContext): Promise<never> => {
    if (request.tenant.trim() !== "")
      await reachableAgent(agents, request.tenant, context.values.get(principalKey));
    throw grpcError(new PushNotificationNotSupportedError("Push notifications are not supported."));
  };
}

function proto<Desc extends DescMessage>(schema: Desc, json: unknown): MessageShape<Desc> {
  return fromJson(schema, json as JsonValue, JSON_OPTIONS);
}

/**
 * An A2A error as the spec's gRPC status: the code of its table (the SDK's
 * `grpcStatusFor`) and a google.rpc.ErrorInfo naming the error. Anything
 * else (a GatewayError, a ConnectError) keeps its own code.
 */
function grpcError(error: unknown): ConnectError {
  if (!(error instanceof A2AError)) return ConnectError.from(error);
  const grpc = new ConnectError(error.message, grpcStatusFor(error) as Code);
  // As raw bytes (connect encodes them into grpc-status-details-bin as they are): no google.rpc types generated.
  grpc.details.push({
    type: "google.rpc.ErrorInfo",
    value: errorInfo(error.reason, error.metadata),
    debug: undefined,
  });
  return grpc;
}

/** google.rpc.ErrorInfo in its wire format: reason = 1, domain = 2, metadata = 3 (map<string, string>). */
function errorInfo(reason: string, metadata: Readonly<Record<string, string>> | undefined): Uint8Array {
  const writer = new BinaryWriter();
  writer.tag(1, WireType.LengthDelimited).string(reason);
  writer.tag(2, WireType.LengthDelimited).string(A2A_ERROR_DOMAIN);
  for (const [key, value] of Object.entries(metadata ?? {})) {
    writer.tag(3, WireType.LengthDelimited).fork();
    writer.tag(1, WireType.LengthDelimited).string(key);
    writer.tag(2, WireType.LengthDelimited).string(value);
    writer.join();
  }
  return writer.finish();
}
