import { Role } from "../../gen/switchyard/v1/chat_pb.js";
import type { ChatCompletionRequest } from "../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../errors/gateway-error.js";
import { checkCount, checkModelName, type RequestLimits } from "./request-limits.js";
import { validateSampling } from "./validate-sampling.js";

/**
 * Semantic checks every surface shares. The REST codecs check JSON shapes;
 * gRPC and Connect callers skip those, so what the upstream would reject
 * anyway is caught here, with a param path, before any routing.
 */
export function validateChatRequest(request: ChatCompletionRequest, limits: RequestLimits): void {
  checkModelName(request.model);
  if (request.messages.length === 0) {
    throw GatewayError.invalidArgument("messages must contain at least one message", "messages");
  }
  checkCount(request.messages.length, limits.messages, "messages", "messages");
  checkCount(request.tools.length, limits.tools, "tools", "tools");
  validateSampling(request);
  for (let index = 0; index < request.messages.length; index++) {
    const message = request.messages[index]!;
    if (message.role === Role.UNSPECIFIED) {
      throw GatewayError.invalidArgument(
        "role must be one of system, developer, user, assistant, tool",
        `messages[${index}].role`,
      );
    }
    if (message.role === Role.TOOL && !message.toolCallId) {
      throw GatewayError.invalidArgument(
        "a tool message needs the tool_call_id it answers",
        `messages[${index}].tool_call_id`,
      );
    }
  }
  for (let index = 0; index < request.tools.length; index++) {
    if (!request.tools[index]!.name) {
      throw GatewayError.invalidArgument("tool name is required", `tools[${index}].function.name`);
    }
  }
}
