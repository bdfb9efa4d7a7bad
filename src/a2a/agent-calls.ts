import { JsonRpcTransportHandler, ServerCallContext } from "@a2a-js/sdk/server";
import type { JsonObject } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import type { Principal } from "../auth/authenticator.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { A2AAgents, ServedAgent } from "./a2a-routes.js";
import { GatewayUser } from "./gateway-user.js";
import { invalidParams } from "./request-validation.js";

/** The A2A v1.0 methods answered with one JSON object. */
export type AgentMethod = "SendMessage" | "GetTask" | "CancelTask";

/** A2A / JSON-RPC error codes as Connect codes, for doors that are not JSON-RPC. */
const CODES: ReadonlyMap<number, Code> = new Map([
  [-32700, Code.InvalidArgument], // parse error
  [-32600, Code.InvalidArgument], // invalid request
  [-32601, Code.Unimplemented], // method not found
  [-32602, Code.InvalidArgument], // invalid params
  [-32001, Code.NotFound], // task not found
  [-32002, Code.FailedPrecondition], // task not cancelable
  [-32003, Code.Unimplemented], // push notifications not supported
  [-32004, Code.Unimplemented], // unsupported operation
  [-32005, Code.InvalidArgument], // content type not supported
  [-32006, Code.Internal], // invalid agent response
  [-32008, Code.FailedPrecondition], // extension support required
  [-32009, Code.InvalidArgument], // version not supported
]);

/**
 * Calls one A2A v1.0 method of an agent with JSON params, through the same
 * SDK request handler (and JSON mapping) as the JSON-RPC door, so every door
 * sees the same tasks and the same answers. Errors are GatewayErrors with
 * Connect codes (unknown agent and unknown task NOT_FOUND).
 */
export async function callAgent(
  agents: A2AAgents,
  name: string,
  method: AgentMethod,
  params: JsonObject,
  principal: Principal,
): Promise<JsonObject> {
  const problem = invalidParams("1.0", method, params);
  if (problem) throw GatewayError.invalidArgument(problem);
  const agent = await reachableAgent(agents, name, principal);
  const answer = await agent.v1.handle({ jsonrpc: "2.0", id: 0, method, params }, callContext(principal));
  if (Symbol.asyncIterator in answer)
    throw new GatewayError({ code: Code.Internal, message: "unexpected stream" });
  if ("error" in answer && answer.error) throw rpcFailure(answer.error);
  return ("result" in answer ? answer.result : {}) as JsonObject;
}

/**
 * SendStreamingMessage through the agent's handler: A2A v1.0 StreamResponse
 * objects as JSON. Leaving early stops the reading, not the task (as on the
 * JSON-RPC door); CancelTask stops the task.
 */
export async function* streamAgent(
  agents: A2AAgents,
  name: string,
  params: JsonObject,
  principal: Principal,
): AsyncGenerator<JsonObject> {
  const problem = invalidParams("1.0", "SendStreamingMessage", params);
  if (problem) throw GatewayError.invalidArgument(problem);
  const agent = await reachableAgent(agents, name, principal);
  const answer = await agent.v1.handle(
    { jsonrpc: "2.0", id: 0, method: "SendStreamingMessage", params },
    callContext(principal),
  );
  if (!(Symbol.asyncIterator in answer)) {
    throw "error" in answer && answer.error
      ? rpcFailure(answer.error)
      : new GatewayError({ code: Code.Internal, message: "the agent answered without a stream" });
  }
  try {
    for await (const event of answer) {
      if ("error" in event && event.error) throw rpcFailure(event.error);
      if ("result" in event) yield event.result as JsonObject;
    }
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    throw rpcFailure(JsonRpcTransportHandler.mapToJSONRPCError(error));
  }
}

/** The agent named, if the caller may use it and (a remote agent) it answers; GatewayErrors otherwise. */
export async function reachableAgent(
  agents: A2AAgents,
  name: string,
  principal: Principal,
): Promise<ServedAgent> {
  if (name.trim() === "") throw GatewayError.invalidArgument("agent_name is required", "agent_name");
  const agent = agents.handlerFor(name);
  if (!agent) {
    throw new GatewayError({
      code: Code.NotFound,
      message: `Unknown agent: ${name}`,
      errorCode: "agent_not_found",
    });
  }
  agents.authorize(name, principal);
  // An unreachable remote agent is the caller's answer now, not a failed task later.
  if (agent.remote) {
    try {
      await agent.remote.client();
    } catch (error) {
      throw new GatewayError({
        code: Code.Unavailable,
        message: `remote agent ${name} is unreachable: ${error instanceof Error ? error.message : String(error)}`,
        retryable: true,
      });
    }
  }
  return agent;
}

function callContext(principal: Principal): ServerCallContext {
  return new ServerCallContext({ user: new GatewayUser(principal), requestedVersion: "1.0" });
}

/** A JSON-RPC error object (typed loosely by the SDK) as a GatewayError. */
function rpcFailure(error: object): GatewayError {
  const code = "code" in error && typeof error.code === "number" ? error.code : 0;
  const message =
    "message" in error && typeof error.message === "string" ? error.message : "agent call failed";
  return new GatewayError({ code: CODES.get(code) ?? Code.Internal, message });
}
