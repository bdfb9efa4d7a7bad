import type { Authenticator } from "../auth/authenticator.js";
import type { GatewayError } from "../errors/gateway-error.js";
import type { NodeRequest } from "../http/node-http.js";
import type { CompletionHandlers } from "../services/completion-service.js";

/** What a REST door onto the Completion service (OpenAI's, Anthropic's) is built from. */
export interface CompletionDoorDeps {
  readonly completion: CompletionHandlers;
  readonly authenticator: Authenticator;
  /** Called with errors that are the gateway's fault (5xx), for logging. */
  readonly onError?: (error: GatewayError, request: NodeRequest) => void;
  /** `general_settings.max_request_size_mb` in bytes: JSON bodies and audio uploads alike; default 32 MiB. */
  readonly maxRequestBytes?: number;
}
