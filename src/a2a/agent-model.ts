import type { HandlerContext } from "@connectrpc/connect";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
} from "../../gen/switchyard/v1/completion_pb.js";

/**
 * `model: "a2a/<agent_name>"` names an agent rather than a model group; a
 * virtual key's models grant the agent by the same name.
 */
export const AGENT_MODEL_PREFIX = "a2a/";

/** Chat completions answered by an A2A agent; what the completion service delegates `a2a/…` models to. */
export interface AgentChat {
  complete(request: ChatCompletionRequest, context: HandlerContext): Promise<ChatCompletion>;
  stream(request: ChatCompletionRequest, context: HandlerContext): AsyncGenerator<ChatCompletionChunk>;
}
