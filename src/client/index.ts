/**
 * The TypeScript client: `import { createSwitchyardClient } from "switchyard/client"`.
 * Works in Node and browsers (it imports no Node module); the generated services and
 * messages are re-exported, so callers need not deep-import gen/.
 */

export * from "../../gen/switchyard/v1/agent_pb.js";
export * from "../../gen/switchyard/v1/chat_pb.js";
export * from "../../gen/switchyard/v1/completion_pb.js";
export * from "../../gen/switchyard/v1/credential_pb.js";
export * from "../../gen/switchyard/v1/key_pb.js";
export * from "../../gen/switchyard/v1/model_pb.js";
export * from "../../gen/switchyard/v1/prompt_pb.js";
export { API_KEY_VARIABLE, apiKeyFromEnvironment, withApiKey } from "./api-key-transport.js";
export { type RouteMetadata, routeFromHeaders } from "./route-metadata.js";
export {
  type ChatInput,
  type ChatReply,
  createSwitchyardClient,
  type StreamOptions,
  type SwitchyardClient,
  type SwitchyardClientOptions,
  userMessage,
} from "./switchyard-client.js";
