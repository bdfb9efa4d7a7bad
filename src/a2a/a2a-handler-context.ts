import { type ContextValues, createContextValues, type HandlerContext } from "@connectrpc/connect";
import { CompletionService } from "../../gen/switchyard/v1/completion_pb.js";
import type { Principal } from "../auth/authenticator.js";
import { principalKey } from "../auth/context-keys.js";
import { agentTurnKey } from "../calls/call-admission.js";
import { requestStartKey } from "../calls/call-timing.js";

/**
 * The handler context an agent's turn calls the completion service with, as
 * the REST shims do: no transport in between. Its signal is the task's own,
 * not the HTTP request's: an A2A task outlives the request that started it
 * (a client may resubscribe), and only CancelTask aborts the upstream call.
 * The call runs as the agent's caller (its key's budget and rate limits), and
 * is marked as an agent's turn: the agent's model came with the agent.
 */
export function createAgentHandlerContext(principal: Principal, signal: AbortSignal): HandlerContext {
  return new AgentHandlerContext(
    signal,
    createContextValues()
      .set(principalKey, principal)
      .set(requestStartKey, performance.now())
      .set(agentTurnKey, true),
  );
}

class AgentHandlerContext implements HandlerContext {
  readonly service = CompletionService;
  readonly method = CompletionService.method.streamChatCompletion;
  readonly protocolName = "a2a";
  readonly requestMethod = "POST";
  readonly url = "/a2a";
  readonly requestHeader = new Headers();
  readonly responseHeader = new Headers();
  readonly responseTrailer = new Headers();

  constructor(
    readonly signal: AbortSignal,
    readonly values: ContextValues,
  ) {}

  timeoutMs(): number | undefined {
    return undefined;
  }
}
