import {
  type ListTasksRequest,
  ListTasksResponse,
  SendMessageRequest,
  SendMessageResponse,
  type StreamResponse,
  StreamResponse as StreamResponseJson,
  Task,
  taskStateFromJSON,
} from "@a2a-js/sdk";
import {
  PushNotificationNotSupportedError,
  RequestMalformedError,
  restStatusFor,
  toRestErrorBody,
  UnsupportedOperationError,
} from "@a2a-js/sdk/errors";
import type { ServerCallContext } from "@a2a-js/sdk/server";
import { drained } from "../http/door-kit/json-answer.js";
import { type NodeRequest, type NodeResponse, writeChunk } from "../http/node-http.js";
import type { AgentRequestHandler } from "./agent-request-handler.js";
import { invalidParams } from "./request-validation.js";

const A2A_JSON = "application/a2a+json";

/** A matched HTTP+JSON operation: what to call, given the request body (JSON) and query. */
type Operation = (
  handler: AgentRequestHandler,
  body: () => Promise<Record<string, unknown>>,
  query: URLSearchParams,
  context: ServerCallContext,
) => Promise<Answer>;

type Answer =
  | { readonly kind: "json"; readonly status: number; readonly body: unknown }
  | { readonly kind: "stream"; readonly events: AsyncGenerator<StreamResponse, void, undefined> };

/**
 * A2A v1.0's HTTP+JSON binding on one agent (paths below `/a2a/{agent}`):
 * `POST /message:send`, `POST /message:stream` (SSE), `GET /tasks`,
 * `GET /tasks/{id}`, `POST /tasks/{id}:cancel`, `GET|POST
 * /tasks/{id}:subscribe` (SSE), and the push-notification paths (not
 * supported). Same request handler as JSON-RPC, same validation; errors are
 * google.rpc-style bodies with the spec's HTTP statuses. Framework-free, so
 * it works on HTTP/1.1 and h2c alike (the SDK's Express router does not).
 * Returns undefined for a path that is not one of these.
 */
export function restOperation(method: string, path: string): Operation | undefined {
  if (path === "/message:send" && method === "POST") return sendMessage;
  if (path === "/message:stream" && method === "POST") return streamMessage;
  if (path === "/tasks" && method === "GET") return listTasks;
  if (path === "/extendedAgentCard" && method === "GET") return extendedCard;
  const task = /^\/tasks\/([^/:]+)(:cancel|:subscribe|\/pushNotificationConfigs(?:\/[^/]+)?)?$/.exec(path);
  if (!task) return undefined;
  const id = decodeURIComponent(task[1] ?? "");
  const action = task[2];
  if (action === undefined && method === "GET") return getTask(id);
  if (action === ":cancel" && method === "POST") return cancelTask(id);
  if (action === ":subscribe" && (method === "GET" || method === "POST")) return subscribe(id);
  if (action?.startsWith("/pushNotificationConfigs")) return pushNotSupported;
  return undefined;
}

/** Runs a matched operation and writes its answer (JSON, or SSE of StreamResponse objects). */
export async function answerRest(
  operation: Operation,
  handler: AgentRequestHandler,
  request: NodeRequest,
  response: NodeResponse,
  context: ServerCallContext,
  readBody: () => Promise<string>,
): Promise<void> {
  const query = new URLSearchParams((request.url ?? "").split("?")[1] ?? "");
  let answer: Answer;
  try {
    answer = await operation(handler, () => parseBody(readBody), query, context);
  } catch (error) {
    sendRestError(response, error);
    return;
  }
  if (answer.kind === "json") {
    sendA2AJson(response, answer.status, answer.body);
    return;
  }
  const events = answer.events;
  let next: IteratorResult<StreamResponse>;
  try {
    next = await events.next();
  } catch (error) {
    sendRestError(response, error);
    return;
  }
  response.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    "x-accel-buffering": "no",
  });
  const onClose = () => void events.return(undefined);
  response.once("close", onClose);
  try {
    while (!next.done && !response.destroyed) {
      const event = `data: ${JSON.stringify(StreamResponseJson.toJSON(next.value))}\n\n`;
      if (!writeChunk(response, event)) await drained(response);
      try {
        next = await events.next();
      } catch (error) {
        const status = restStatusFor(error);
        writeChunk(response, `event: error\ndata: ${JSON.stringify(toRestErrorBody(error, status))}\n\n`);
        break;
      }
    }
  } finally {
    response.off("close", onClose);
    response.end();
  }
}

/** A REST error in the binding's shape: `{error: {code, status, message, details}}`. */
export function sendRestError(response: NodeResponse, error: unknown): void {
  const status = restStatusFor(error);
  sendA2AJson(response, status, toRestErrorBody(error, status));
}

const sendMessage: Operation = async (handler, body, _query, context) => {
  const json = await checked("SendMessage", await body());
  const result = await handler.sendMessage(SendMessageRequest.fromJSON(json), context);
  const payload =
    "artifacts" in result
      ? ({ $case: "task", value: result } as const)
      : ({ $case: "message", value: result } as const);
  return { kind: "json", status: 200, body: SendMessageResponse.toJSON({ payload }) };
};

const streamMessage: Operation = async (handler, body, _query, context) => {
  const json = await checked("SendStreamingMessage", await body());
  return { kind: "stream", events: handler.sendMessageStream(SendMessageRequest.fromJSON(json), context) };
};

const listTasks: Operation = async (handler, _body, query, context) => {
  const params: Record<string, unknown> = {};
  for (const [name, value] of query) {
    params[name] =
      ["pageSize", "historyLength"].includes(name) && /^-?\d+$/.test(value) ? Number(value) : value;
  }
  const request = await checked("ListTasks", params);
  const listRequest: ListTasksRequest = {
    tenant: "",
    contextId: typeof request.contextId === "string" ? request.contextId : "",
    status: typeof request.status === "string" ? taskStateFromJSON(request.status) : 0,
    pageSize: typeof request.pageSize === "number" ? request.pageSize : undefined,
    pageToken: typeof request.pageToken === "string" ? request.pageToken : "",
    historyLength: typeof request.historyLength === "number" ? request.historyLength : undefined,
    statusTimestampAfter:
      typeof request.statusTimestampAfter === "string" ? request.statusTimestampAfter : undefined,
    includeArtifacts: request.includeArtifacts === "true",
  };
  return {
    kind: "json",
    status: 200,
    body: ListTasksResponse.toJSON(await handler.listTasks(listRequest, context)),
  };
};

const getTask =
  (id: string): Operation =>
  async (handler, _body, query, context) => {
    const raw = query.get("historyLength");
    const historyLength = raw === null ? undefined : /^-?\d+$/.test(raw) ? Number(raw) : raw;
    await checked("GetTask", { id, historyLength });
    const task = await handler.getTask(
      { tenant: "", id, historyLength: historyLength as number | undefined },
      context,
    );
    return { kind: "json", status: 200, body: Task.toJSON(task) };
  };

const cancelTask =
  (id: string): Operation =>
  async (handler, _body, _query, context) => ({
    kind: "json",
    status: 200,
    body: Task.toJSON(await handler.cancelTask({ tenant: "", id, metadata: {} }, context)),
  });

const subscribe =
  (id: string): Operation =>
  async (handler, _body, _query, context) => ({
    kind: "stream",
    events: handler.resubscribe({ tenant: "", id }, context),
  });

const pushNotSupported: Operation = async () => {
  throw new PushNotificationNotSupportedError("Push notifications are not supported.");
};

const extendedCard: Operation = async () => {
  throw new UnsupportedOperationError("This agent has no extended card.");
};

async function checked(method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
  const problem = invalidParams("1.0", method, params);
  if (problem) throw new RequestMalformedError(`Invalid params: ${problem}.`);
  return params;
}

async function parseBody(readBody: () => Promise<string>): Promise<Record<string, unknown>> {
  const text = await readBody();
  try {
    const value: unknown = text === "" ? {} : JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {}
  throw new RequestMalformedError("The body must be a JSON object.");
}

function sendA2AJson(response: NodeResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": A2A_JSON, "content-length": Buffer.byteLength(text) });
  response.end(text);
}
