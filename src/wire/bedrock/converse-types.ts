import type { JsonObject } from "@bufbuild/protobuf";

/**
 * Bedrock Converse wire types (docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html),
 * the subset the gateway sends and reads. Each content block is an object
 * with exactly one member naming its kind.
 */

export type ConverseRole = "user" | "assistant";

export type ConverseImageFormat = "png" | "jpeg" | "gif" | "webp";

export interface ConverseToolResultBlock {
  toolResult: {
    toolUseId: string;
    content: ({ text: string } | ConverseImageBlock)[];
    status?: "success" | "error";
  };
}

export interface ConverseImageBlock {
  /** `bytes` is base64 text on the JSON wire (the SDK's Uint8Array, serialised). */
  image: { format: ConverseImageFormat; source: { bytes: string } };
}

export interface ConverseToolUseBlock {
  toolUse: { toolUseId: string; name: string; input: JsonObject };
}

export type ConverseContentBlock =
  | { text: string }
  | ConverseImageBlock
  | ConverseToolUseBlock
  | ConverseToolResultBlock;

export interface ConverseMessage {
  role: ConverseRole;
  content: ConverseContentBlock[];
}

export interface ConverseTool {
  toolSpec: { name: string; description?: string; inputSchema: { json: JsonObject } };
}

export type ConverseToolChoice = { auto: JsonObject } | { any: JsonObject } | { tool: { name: string } };

export interface ConverseInferenceConfig {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
}

/** The body of POST /model/{modelId}/converse and /converse-stream (the model id is in the path). */
export interface ConverseRequest {
  messages: ConverseMessage[];
  system?: { text: string }[];
  inferenceConfig?: ConverseInferenceConfig;
  toolConfig?: { tools: ConverseTool[]; toolChoice?: ConverseToolChoice };
  /** Model-specific parameters (top_k, thinking, …) passed through as they are. */
  additionalModelRequestFields?: JsonObject;
  [key: string]: unknown;
}
