import { LegacyJsonRpcTransportHandler } from "@a2a-js/sdk/compat/v0_3/server";
import { VersionNotSupportedError } from "@a2a-js/sdk/errors";
import {
  type AgentExecutor,
  InMemoryTaskStore,
  JsonRpcTransportHandler,
  ServerCallContext,
  type TaskStore,
} from "@a2a-js/sdk/server";
import { Code } from "@connectrpc/connect";
import type { Authenticator, Principal } from "../auth/authenticator.js";
import { GatewayError } from "../errors/gateway-error.js";
import { callerKey } from "../http/door-kit/caller-key.js";
import { drained, sendJson } from "../http/door-kit/json-answer.js";
import { readBodyText } from "../http/door-kit/read-body.js";
import { requestHeader } from "../http/door-kit/request-parts.js";
import { type NodeRequest, type NodeResponse, writeChunk } from "../http/node-http.js";
import { anyMethodRoute, type Route } from "../http/route-table.js";
import type { Logger } from "../observability/logger.js";
import type { CompletionHandlers } from "../services/completion-service.js";
import type { Store } from "../store/store.js";
import { answerRest, restOperation, sendRestError } from "./a2a-rest-binding.js";
import { type CardVersion, sdkAgentCard } from "./agent-card.js";
import {
  cardLastModified,
  cardVersion,
  requestedVersion,
  sendAgentCard,
  sendCard,
  wholeSeconds,
} from "./agent-card-response.js";
import type { AgentDefinition } from "./agent-definition.js";
import type { AgentLookup } from "./agent-lookup.js";
import { AgentRequestHandler } from "./agent-request-handler.js";
import { directoryCardJson } from "./directory-card.js";
import { GatewayUser } from "./gateway-user.js";
import { ModelAgentExecutor } from "./model-agent-executor.js";
import { RemoteAgentExecutor } from "./remote-agent-executor.js";
import { invalidParams, isValidRequestId } from "./request-validation.js";
import { StoreTaskStore } from "./store-task-store.js";
import { TaskCancellation } from "./task-cancellation.js";

const CARD_PATHS = new Set(["/.well-known/agent-card.json", "/.well-known/agent.json"]);
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const JSON_RPC = {
  PARSE: -32700,
  INVALID_REQUEST: -32600,
  INVALID_PARAMS: -32602,
  INTERNAL: -32603,
  VERSION_NOT_SUPPORTED: -32009,
} as const;

export interface A2AAgentsOptions {
  readonly agents: AgentLookup;
  readonly completion: CompletionHandlers;
  readonly authenticator: Authenticator;
  /** Where tasks live across restarts and replicas; absent: in memory. */
  readonly store?: Store;
  /** The gateway's public base URL for agent cards; absent: from the request's Host / X-Forwarded-* headers. */
  readonly publicUrl?: string;
  /** Throws when the caller may not use the agent (a virtual key's models and budget); absent: everyone may. */
  readonly authorizeAgent?: (principal: Principal, agentName: string) => void;
  readonly logger?: Logger;
}

export interface A2ARoutesOptions {
  /** The served agents' handlers, shared with every other door to agents. */
  readonly served: ServedAgents;
  readonly authenticator: Authenticator;
  /** The gateway's public base URL for agent cards; absent: from the request's Host / X-Forwarded-* headers. */
  readonly publicUrl?: string;
  onError?(error: GatewayError, request: NodeRequest): void;
}

/** One agent as served: its SDK request handler and the two JSON-RPC dialects on top. */
export interface ServedAgent {
  readonly definition: AgentDefinition;
  readonly handler: AgentRequestHandler;
  /** The A2A v1.0 JSON-RPC dialect: JSON in, JSON out, errors as JSON-RPC codes. */
  readonly v1: JsonRpcTransportHandler;
  readonly legacy: LegacyJsonRpcTransportHandler;
  readonly remote?: RemoteAgentExecutor;
}

/**
 * Every agent's one SDK request handler (and task store), built on first
 * use and rebuilt when the registry hands out a changed definition. The
 * JSON-RPC door, AgentService and `a2a/<agent>` models all go through it,
 * so a task started at one door can be read or canceled at another.
 */
export interface A2AAgents {
  /** The agent named `name` as served now; undefined if there is none. */
  handlerFor(name: string): ServedAgent | undefined;
  /** Throws the GatewayError refusing the caller the agent (403 / PERMISSION_DENIED, budget spent). */
  authorize(name: string, principal: Principal): void;
}

/** The served agents as the gateway owns them: CancelTask from other replicas is heard between start and stop. */
export interface ServedAgents extends A2AAgents {
  /** Every agent served now (the gateway's root card lists them). */
  definitions(): readonly AgentDefinition[];
  /** Resolves once listening for other replicas' CancelTask. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

type JsonRpcBody = { jsonrpc: "2.0"; id: string | number | null; error: { code: number; message: string } };

/** Serves every agent the registry knows, each through its one SDK request handler. */
export function createA2AAgents(options: A2AAgentsOptions): ServedAgents {
  const served = new Map<string, ServedAgent>();
  const cancellation = new TaskCancellation({ store: options.store, logger: options.logger });

  /** The agent's handlers, rebuilt when the registry hands out a changed definition. */
  const serve = (definition: AgentDefinition): ServedAgent => {
    const existing = served.get(definition.name);
    if (existing?.definition === definition) return existing;
    const taskStore: TaskStore = options.store
      ? new StoreTaskStore(options.store, definition.name)
      : new InMemoryTaskStore();
    let executor: AgentExecutor;
    let remote: RemoteAgentExecutor | undefined;
    if (definition.model) {
      executor = new ModelAgentExecutor(
        { ...definition, model: definition.model },
        options.completion,
        taskStore,
        cancellation,
      );
    } else {
      remote = new RemoteAgentExecutor(
        definition.name,
        String(definition.cardParams.url ?? ""),
        cancellation,
      );
      executor = remote;
    }
    const card = sdkAgentCard(
      definition,
      options.publicUrl ?? "http://localhost",
      options.authenticator.enabled,
    );
    const handler = new AgentRequestHandler(definition.name, card, taskStore, executor, cancellation);
    const agent = {
      definition,
      handler,
      v1: new JsonRpcTransportHandler(handler),
      legacy: new LegacyJsonRpcTransportHandler(handler),
      remote,
    };
    served.set(definition.name, agent);
    return agent;
  };

  return {
    handlerFor(name) {
      const definition = options.agents.get(name);
      return definition && serve(definition);
    },
    authorize(name, principal) {
      options.authorizeAgent?.(principal, name);
    },
    definitions: () => options.agents.list(),
    start: () => cancellation.start(),
    stop: () => cancellation.stop(),
  };
}

/**
 * The A2A surface: `GET /a2a/{agent}/.well-known/agent-card.json` (public)
 * (public), JSON-RPC 2.0 at `POST /a2a/{agent}` (the gateway's key), v1.0
 * methods with `A2A-Version: 1.0` (header or query parameter), v0.3 names
 * without it, and the v1.0 HTTP+JSON binding below the agent's path
 * (`a2a-rest-binding.ts`), and the gateway's root card at
 * `/.well-known/agent-card.json` / `agent.json` (`directory-card.ts`). Framework-free on purpose:
 * the SDK's Express handlers crash on HTTP/2 requests, this works on both.
 * Every method comes in: the answers to the wrong one are JSON-RPC errors.
 */
export function a2aRoutes(options: A2ARoutesOptions): Route[] {
  const rootCard = createRootCard(options);
  return [
    ...[...CARD_PATHS].map((path) =>
      anyMethodRoute(path, (request, response) => rootCard(request, response, path)),
    ),
    anyMethodRoute("/a2a/*", (request, response, match) =>
      answerAgent(options, request, response, match.path, match.rest),
    ),
  ];
}

/** `/a2a/{agent}` and below: `tail` is what follows `/a2a/`. */
function answerAgent(
  options: A2ARoutesOptions,
  request: NodeRequest,
  response: NodeResponse,
  path: string,
  tail: string,
): void {
  const slash = tail.indexOf("/");
  const name = decodeURIComponent(slash === -1 ? tail : tail.slice(0, slash));
  const rest = slash === -1 ? "" : tail.slice(slash);
  const agent = options.served.handlerFor(name);
  if (!agent) {
    sendJson(response, 404, rpcError(null, JSON_RPC.INVALID_REQUEST, `Unknown agent: ${name}`));
    return;
  }
  if (CARD_PATHS.has(rest)) {
    const version = cardRequest(request, response, rest);
    if (!version) return;
    sendAgentCard(request, response, agent.definition, {
      baseUrl: options.publicUrl ?? baseUrlOf(request),
      bearer: options.authenticator.enabled,
      version,
    });
    return;
  }
  const operation = rest === "" || rest === "/" ? undefined : restOperation(request.method ?? "", rest);
  if (rest !== "" && rest !== "/" && !operation) {
    sendJson(response, 404, rpcError(null, JSON_RPC.INVALID_REQUEST, `Unknown A2A path: ${path}`));
    return;
  }
  if (!operation && request.method !== "POST") {
    sendJson(response, 405, rpcError(null, JSON_RPC.INVALID_REQUEST, "A2A JSON-RPC takes POST."));
    return;
  }
  // Refusals in the binding's own error shape: google.rpc-style for HTTP+JSON, JSON-RPC otherwise.
  const refuse = (error: GatewayError, status: number) => {
    if (operation) sendJson(response, status, restRefusal(error, status));
    else sendJson(response, status, rpcError(null, JSON_RPC.INVALID_REQUEST, error.rawMessage));
  };
  let principal: Principal;
  try {
    principal = options.authenticator.authenticate(callerKey(request));
  } catch (error) {
    response.setHeader("www-authenticate", "Bearer");
    refuse(GatewayError.from(error), 401);
    return;
  }
  try {
    options.served.authorize(name, principal);
  } catch (error) {
    const refusal = GatewayError.from(error);
    refuse(refusal, refusal.httpStatus);
    return;
  }
  if (operation) {
    const version = requestedVersion(request);
    if (version !== undefined && version !== "1.0") {
      sendRestError(response, new VersionNotSupportedError(`HTTP+JSON serves A2A 1.0, not ${version}.`));
      return;
    }
    const context = new ServerCallContext({ user: new GatewayUser(principal), requestedVersion: "1.0" });
    answerRest(operation, agent.handler, request, response, context, () => readText(request)).catch(
      (error: unknown) => {
        options.onError?.(GatewayError.from(error), request);
        if (!response.headersSent) sendRestError(response, error);
        else response.end();
      },
    );
    return;
  }
  jsonRpc(agent, request, response, principal).catch((error: unknown) => {
    const gatewayError = GatewayError.from(error);
    options.onError?.(gatewayError, request);
    if (response.headersSent) {
      response.end();
      return;
    }
    if (gatewayError.httpStatus === 413) {
      // Whatever of the body is still coming is dropped; the connection is not worth keeping for it.
      if (request.httpVersionMajor === 1) response.setHeader("connection", "close");
      sendJson(response, 413, rpcError(null, JSON_RPC.INVALID_REQUEST, gatewayError.rawMessage));
      return;
    }
    sendJson(response, 500, rpcError(null, JSON_RPC.INTERNAL, gatewayError.rawMessage));
  });
}

/**
 * The card version a GET or HEAD of a card path asks for (its A2A-Version
 * header, else the path's); anything else is answered here, 405 or 400 in
 * JSON-RPC's error shape, and gives undefined.
 */
function cardRequest(request: NodeRequest, response: NodeResponse, path: string): CardVersion | undefined {
  if (request.method !== "GET" && request.method !== "HEAD") {
    const message = `Method ${request.method} is not allowed.`;
    sendJson(response, 405, rpcError(null, JSON_RPC.INVALID_REQUEST, message));
    return undefined;
  }
  const version = cardVersion(requestedVersion(request), path);
  if (!version) {
    const message = `A2A version ${requestedVersion(request)} is not supported; use 1.0 or 0.3.`;
    sendJson(response, 400, rpcError(null, JSON_RPC.VERSION_NOT_SUPPORTED, message));
  }
  return version;
}

/**
 * The root card (see directory-card.ts), public like the agents' cards.
 * Its Last-Modified is the latest of its agents' and of the last change to
 * which agents there are (a removed agent changes the card too).
 */
function createRootCard(options: A2ARoutesOptions) {
  let roster = { names: "", since: wholeSeconds(new Date()) };
  return (request: NodeRequest, response: NodeResponse, path: string): void => {
    const version = cardRequest(request, response, path);
    if (!version) return;
    const agents = options.served.definitions();
    const names = agents.map((agent) => agent.name).join("\n");
    if (names !== roster.names) roster = { names, since: wholeSeconds(new Date()) };
    const baseUrl = options.publicUrl ?? baseUrlOf(request);
    const card = directoryCardJson(agents, baseUrl, { bearer: options.authenticator.enabled, version });
    if (!card) {
      sendJson(response, 404, rpcError(null, JSON_RPC.INVALID_REQUEST, "This gateway serves no A2A agent."));
      return;
    }
    const changed = Math.max(
      roster.since.getTime(),
      ...agents.map((agent) => cardLastModified(agent).getTime()),
    );
    sendCard(request, response, card, new Date(changed));
  };
}

async function jsonRpc(
  agent: ServedAgent,
  request: NodeRequest,
  response: NodeResponse,
  principal: Principal,
): Promise<void> {
  const body = await readText(request);
  const version = requestedVersion(request) ?? "0.3";
  const context = new ServerCallContext({ user: new GatewayUser(principal), requestedVersion: version });
  if (version !== "1.0" && version !== "0.3") {
    const error = JsonRpcTransportHandler.mapToJSONRPCError(
      new VersionNotSupportedError(`A2A version ${version} is not supported; use 1.0 or 0.3.`),
    );
    sendJson(response, 200, { jsonrpc: "2.0", id: requestId(body), error });
    return;
  }
  if (agent.remote) {
    // An unreachable remote agent is the caller's answer now, not a failed task later.
    try {
      await agent.remote.client();
    } catch (error) {
      const message = `remote agent ${agent.definition.name} is unreachable: ${error instanceof Error ? error.message : String(error)}`;
      sendJson(response, 502, rpcError(requestId(body), JSON_RPC.INTERNAL, message));
      return;
    }
  }
  let parsed: Record<string, unknown>;
  try {
    const value: unknown = JSON.parse(body);
    parsed =
      typeof value === "object" && value !== null && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : {};
  } catch {
    sendJson(response, 200, rpcError(null, JSON_RPC.PARSE, "Parse error: the body is not JSON."));
    return;
  }
  const id = isValidRequestId(parsed.id) ? ((parsed.id ?? null) as string | number | null) : null;
  if (parsed.jsonrpc !== "2.0" || typeof parsed.method !== "string" || parsed.method === "") {
    const message = "Invalid Request: expected a JSON-RPC 2.0 request with a method.";
    sendJson(response, 200, rpcError(id, JSON_RPC.INVALID_REQUEST, message));
    return;
  }
  if (!isValidRequestId(parsed.id)) {
    const message = "Invalid Request: id must be a string, an integer or null.";
    sendJson(response, 200, rpcError(null, JSON_RPC.INVALID_REQUEST, message));
    return;
  }
  const params = parsed.params;
  if (typeof params === "object" && params !== null && !Array.isArray(params)) {
    const problem = invalidParams(version, parsed.method, params as Record<string, unknown>);
    if (problem) {
      sendJson(response, 200, rpcError(id, JSON_RPC.INVALID_PARAMS, `Invalid params: ${problem}.`));
      return;
    }
  }
  const result = await (version === "1.0" ? agent.v1 : agent.legacy).handle(parsed, context);
  if (!(Symbol.asyncIterator in result)) {
    sendJson(response, 200, result);
    return;
  }
  // The SDK's streams throw A2A errors (unknown task, finished task) instead of answering them.
  const streamError = (error: unknown) =>
    rpcErrorBody(
      requestId(body),
      version === "1.0"
        ? JsonRpcTransportHandler.mapToJSONRPCError(error)
        : LegacyJsonRpcTransportHandler.mapToLegacyJSONRPCError(error),
    );
  const events = result[Symbol.asyncIterator]();
  // The first event decides: an error before any event is a plain JSON answer.
  let first: IteratorResult<object>;
  try {
    first = await events.next();
  } catch (error) {
    sendJson(response, 200, streamError(error));
    return;
  }
  if (first.done) {
    sendJson(response, 200, rpcError(requestId(body), JSON_RPC.INTERNAL, "the stream ended without events"));
    return;
  }
  if ("error" in first.value && first.value.error !== undefined) {
    sendJson(response, 200, first.value);
    return;
  }
  response.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    "x-accel-buffering": "no",
  });
  // A gone client stops our reading; the task itself runs on (SubscribeToTask), CancelTask stops it.
  const onClose = () => void events.return?.(undefined);
  response.once("close", onClose);
  try {
    let next: IteratorResult<object> = first;
    while (!next.done && !response.destroyed) {
      if (!writeChunk(response, `data: ${JSON.stringify(next.value)}\n\n`)) await drained(response);
      try {
        next = await events.next();
      } catch (error) {
        // After the first event the status line is out: the error is the stream's last event.
        writeChunk(response, `data: ${JSON.stringify(streamError(error))}\n\n`);
        break;
      }
    }
  } finally {
    response.off("close", onClose);
    response.end();
  }
}

function rpcError(id: string | number | null, code: number, message: string): JsonRpcBody {
  return { jsonrpc: "2.0", id, error: { code, message } };
}

/** A gateway refusal (key, budget) as an HTTP+JSON error body. */
function restRefusal(error: GatewayError, status: number): Record<string, unknown> {
  const name = Code[error.code].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
  return { error: { code: status, status: name, message: error.rawMessage } };
}

function rpcErrorBody(id: string | number | null, error: object): Record<string, unknown> {
  return { jsonrpc: "2.0", id, error };
}

/** The request's id when the body is a JSON-RPC request, for error answers outside the SDK. */
function requestId(body: string): string | number | null {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null && "id" in parsed) {
      const id = parsed.id;
      if (typeof id === "string" || typeof id === "number") return id;
    }
  } catch {}
  return null;
}

/** The body as text: the SDK's transport parses it, so bad JSON gets its -32700. */
function readText(request: NodeRequest): Promise<string> {
  return readBodyText(request, MAX_BODY_BYTES);
}

/** `proto://host` as the client reached us, through proxies that set X-Forwarded-*. */
function baseUrlOf(request: NodeRequest): string {
  const forwardedProto = requestHeader(request, "x-forwarded-proto")?.split(",")[0]?.trim();
  const forwardedHost = requestHeader(request, "x-forwarded-host")?.split(",")[0]?.trim();
  const host =
    forwardedHost || requestHeader(request, ":authority") || requestHeader(request, "host") || "localhost";
  const encrypted = "encrypted" in request.socket && request.socket.encrypted === true;
  const proto = forwardedProto || (encrypted ? "https" : "http");
  return `${proto}://${host}`;
}
