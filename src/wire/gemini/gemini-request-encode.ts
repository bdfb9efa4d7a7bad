import { type ChatMessage, type ToolChoice, ToolChoiceMode } from "../../../gen/switchyard/v1/chat_pb.js";
import type { ChatCompletionRequest } from "../../../gen/switchyard/v1/completion_pb.js";
import { GatewayError } from "../../errors/gateway-error.js";
import { encodeTurns, parseArguments } from "../alternating-turns.js";
import { type ContentPartEncoder, encodeContentParts } from "../content-part-encoder.js";
import { isJsonObject } from "../openai/json-object.js";
import { THOUGHT_SIGNATURE_SEPARATOR } from "./gemini-response-decode.js";
import type {
  GeminiContent,
  GeminiFunctionDeclaration,
  GeminiGenerationConfig,
  GeminiPart,
  GeminiRequest,
  GeminiRole,
  GeminiToolConfig,
} from "./gemini-types.js";

/**
 * A switchyard.v1 chat request as a Gemini GenerateContentRequest body
 * (provider side; the model travels in the URL).
 *
 * - System and developer messages become `systemInstruction`.
 * - Assistant turns are role `model`; tool calls are `functionCall` parts
 *   (arguments parsed to an object); tool messages are `functionResponse`
 *   parts in a user turn, named after the call they answer (Gemini matches
 *   responses by name) with the tool's text as `response.content`.
 * - Consecutive turns of one role are merged, as the API expects.
 * - A tool call id carrying a thought signature (see
 *   THOUGHT_SIGNATURE_SEPARATOR) gives it back as the part's `thoughtSignature`.
 * - Images: data URLs become `inlineData`, other URLs `fileData`.
 * - Tools are `functionDeclarations` with `parametersJsonSchema` (plain JSON
 *   Schema, no OpenAPI subset conversion); tool_choice is
 *   `toolConfig.functionCallingConfig` (auto AUTO, required ANY, none NONE,
 *   a named function ANY restricted to it).
 * - JSON mode is `responseMimeType: application/json`; a JSON schema also
 *   goes as `responseJsonSchema`.
 * - reasoning_effort becomes a thinking budget with thoughts included
 *   (LiteLLM's budgets).
 * - `extra_body` keys are merged at the top level, except
 *   `generationConfig`, which is merged into the one built here;
 *   `safety_settings` (LiteLLM's spelling) is `safetySettings`.
 * - `logprobs`, `user` and `metadata` are dropped: Gemini's logprobsResult
 *   is not decoded, and Gemini has no end-user field.
 */

export interface EncodeGeminiRequestOptions {
  /** The deployment's `safety_settings`, when it sets them. */
  safetySettings?: unknown;
}

const thinkingBudgets: Readonly<Record<string, number>> = {
  minimal: 128,
  low: 1024,
  medium: 2048,
  high: 4096,
};

export function encodeGeminiRequest(
  request: ChatCompletionRequest,
  options: EncodeGeminiRequestOptions = {},
): GeminiRequest {
  const systemTexts: string[] = [];
  const body: GeminiRequest = { contents: encodeMessages(request.messages, systemTexts) };
  if (systemTexts.length > 0) body.systemInstruction = { parts: systemTexts.map((text) => ({ text })) };
  if (request.tools.length > 0) {
    body.tools = [
      {
        functionDeclarations: request.tools.map((tool) => {
          const declaration: GeminiFunctionDeclaration = { name: tool.name };
          if (tool.description !== "") declaration.description = tool.description;
          if (tool.parameters !== undefined) declaration.parametersJsonSchema = tool.parameters;
          return declaration;
        }),
      },
    ];
    const toolConfig = encodeToolChoice(request.toolChoice);
    if (toolConfig !== undefined) body.toolConfig = toolConfig;
  }
  const generationConfig = encodeGenerationConfig(request);
  if (options.safetySettings !== undefined) body.safetySettings = options.safetySettings;
  const extraBody = request.extraBody;
  if (extraBody !== undefined) {
    for (const [key, value] of Object.entries(extraBody)) {
      if (key === "contents") continue;
      if (key === "generationConfig" && isJsonObject(value)) Object.assign(generationConfig, value);
      else if (key === "safety_settings") body.safetySettings = value;
      else body[key] = value;
    }
  }
  for (const _key in generationConfig) {
    body.generationConfig = generationConfig;
    break;
  }
  return body;
}

function encodeGenerationConfig(request: ChatCompletionRequest): GeminiGenerationConfig {
  const config: GeminiGenerationConfig = {};
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.topP !== undefined) config.topP = request.topP;
  if (request.maxTokens !== undefined) config.maxOutputTokens = request.maxTokens;
  if (request.stop.length > 0) config.stopSequences = request.stop;
  if (request.n !== undefined && request.n > 1) config.candidateCount = request.n;
  if (request.presencePenalty !== undefined) config.presencePenalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) config.frequencyPenalty = request.frequencyPenalty;
  if (request.seed !== undefined) config.seed = Number(request.seed);
  const format = request.responseFormat?.format;
  if (format?.case === "jsonObject") config.responseMimeType = "application/json";
  else if (format?.case === "jsonSchema") {
    config.responseMimeType = "application/json";
    if (format.value.schema !== undefined) config.responseJsonSchema = format.value.schema;
  }
  const budget = thinkingBudgets[request.reasoningEffort];
  if (budget !== undefined) config.thinkingConfig = { thinkingBudget: budget, includeThoughts: true };
  return config;
}

function encodeMessages(messages: readonly ChatMessage[], systemTexts: string[]): GeminiContent[] {
  /** Function names by tool call id, to name each functionResponse. */
  const callNames = new Map<string, string>();
  const turns = encodeTurns<GeminiRole, GeminiPart>(
    messages,
    { user: "user", assistant: "model" },
    {
      system: (text) => systemTexts.push(text),
      user: (message, index) => encodeContentParts(message.content, index, geminiParts),
      assistant: (message, index) => {
        const parts = encodeContentParts(message.content, index, geminiParts);
        message.toolCalls.forEach((call, position) => {
          callNames.set(call.id, call.name);
          const path = `messages[${index}].tool_calls[${position}].function.arguments`;
          const functionCall = { name: call.name, args: parseArguments(call.arguments, path) };
          const signatureAt = call.id.indexOf(THOUGHT_SIGNATURE_SEPARATOR);
          parts.push(
            signatureAt === -1
              ? { functionCall }
              : {
                  functionCall,
                  thoughtSignature: call.id.slice(signatureAt + THOUGHT_SIGNATURE_SEPARATOR.length),
                },
          );
        });
        return parts;
      },
      tool: (message, index) => {
        const name = callNames.get(message.toolCallId) ?? message.name;
        if (name === "") {
          const path = `messages[${index}].tool_call_id`;
          throw GatewayError.invalidArgument(
            `'${path}' must name a tool call of an earlier assistant message (Gemini matches results by function name)`,
            path,
          );
        }
        const text = message.content.map(({ part }) => (part.case === "text" ? part.value : "")).join("");
        return [{ functionResponse: { name, response: { content: text } } }];
      },
    },
  );
  return turns.map(({ role, items }) => ({ role, parts: items }));
}

const geminiParts: ContentPartEncoder<GeminiPart> = {
  text: (text) => ({ text }),
  imageUrl: (url, path) => encodeUrl(url, `${path}.image_url.url`),
  file: (file, path) =>
    file.fileId !== ""
      ? { fileData: { fileUri: file.fileId } }
      : encodeUrl(file.fileData, `${path}.file.file_data`),
  inputAudio: (audio) => ({ inlineData: { mimeType: `audio/${audio.format || "wav"}`, data: audio.data } }),
};

/** A data URL as inline bytes; any other URL (https, gs://) as a file reference. */
function encodeUrl(url: string, path: string): GeminiPart {
  if (!url.startsWith("data:")) {
    const mimeType = mimeTypeOf(url);
    return { fileData: mimeType === undefined ? { fileUri: url } : { mimeType, fileUri: url } };
  }
  const comma = url.indexOf(",");
  const marker = url.lastIndexOf(";base64", comma);
  if (comma === -1 || marker === -1) {
    throw GatewayError.invalidArgument(`'${path}': a data URL must be base64 encoded`, path);
  }
  return { inlineData: { mimeType: url.slice(5, marker), data: url.slice(comma + 1) } };
}

const mimeTypesByExtension: Readonly<Record<string, string>> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
  pdf: "application/pdf",
  mp3: "audio/mpeg",
  wav: "audio/wav",
  mp4: "video/mp4",
};

function mimeTypeOf(url: string): string | undefined {
  const path = url.split(/[?#]/, 1)[0]!;
  const extension = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  return mimeTypesByExtension[extension];
}

function encodeToolChoice(toolChoice: ToolChoice | undefined): GeminiToolConfig | undefined {
  const choice = toolChoice?.choice;
  switch (choice?.case) {
    case "functionName":
      return { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [choice.value] } };
    case "mode":
      switch (choice.value) {
        case ToolChoiceMode.NONE:
          return { functionCallingConfig: { mode: "NONE" } };
        case ToolChoiceMode.REQUIRED:
          return { functionCallingConfig: { mode: "ANY" } };
        case ToolChoiceMode.AUTO:
          return { functionCallingConfig: { mode: "AUTO" } };
      }
      break;
  }
  return undefined;
}
