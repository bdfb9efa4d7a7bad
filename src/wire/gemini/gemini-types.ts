import type { JsonObject } from "@bufbuild/protobuf";

/**
 * The Gemini API's JSON (GenerateContentRequest/Response, as Google AI
 * Studio's v1beta and Vertex AI's v1 both speak it), as far as the gateway
 * writes or reads it. Field names are the API's camelCase.
 */

export type GeminiRole = "user" | "model";

export type GeminiPart =
  | { text: string; thought?: boolean; thoughtSignature?: string }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { mimeType?: string; fileUri: string } }
  | { functionCall: { name: string; args: JsonObject; id?: string }; thoughtSignature?: string }
  | { functionResponse: { name: string; response: JsonObject; id?: string } };

export interface GeminiContent {
  role: GeminiRole;
  parts: GeminiPart[];
}

export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  parametersJsonSchema?: JsonObject;
}

export interface GeminiToolConfig {
  functionCallingConfig: { mode: "AUTO" | "ANY" | "NONE"; allowedFunctionNames?: string[] };
}

export interface GeminiGenerationConfig {
  temperature?: number;
  topP?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  candidateCount?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  seed?: number;
  responseMimeType?: string;
  responseJsonSchema?: JsonObject;
  thinkingConfig?: { thinkingBudget?: number; includeThoughts?: boolean };
  [key: string]: unknown;
}

export interface GeminiRequest {
  contents: GeminiContent[];
  systemInstruction?: { parts: { text: string }[] };
  tools?: { functionDeclarations: GeminiFunctionDeclaration[] }[];
  toolConfig?: GeminiToolConfig;
  generationConfig?: GeminiGenerationConfig;
  [key: string]: unknown;
}
