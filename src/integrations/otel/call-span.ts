import { Code } from "@connectrpc/connect";
import type { Attributes } from "@opentelemetry/api";
import type { CallKind, CallRecord } from "../../accounting/call-record.js";
import { GenAI, General, Switchyard } from "./gen-ai-attributes.js";
import { inputMessages, outputMessages } from "./message-content.js";

/** One call as a span: what the exporter's tracer is given. */
export interface CallSpan {
  /** `{operation} {model}`, as the GenAI conventions name spans. */
  readonly name: string;
  /** ms since the epoch. */
  readonly startTime: number;
  readonly endTime: number;
  readonly attributes: Attributes;
  /** Set on failure: the span's status becomes ERROR with this message. */
  readonly errorMessage?: string;
}

const operations: Readonly<Record<CallKind, string>> = {
  chat: "chat",
  text: "text_completion",
  embeddings: "embeddings",
  rerank: "rerank",
  images: "image_generation",
  moderations: "moderation",
  speech: "audio_speech",
  transcriptions: "audio_transcription",
};

/** Provider slugs whose GenAI name differs; every other slug is its own name ("openai", "groq"). */
const providerNames: Readonly<Record<string, string>> = {
  azure: "azure.ai.openai",
  mistral: "mistral_ai",
  xai: "x_ai",
};

/**
 * The span for one finished call. gen_ai.request.model is the model the
 * caller asked for (a model group), gen_ai.response.model the upstream model
 * that answered: together they show what the gateway mapped to what. Request
 * parameters appear when the caller set them. Message contents only with
 * `captureContent`; never keys or headers (call records hold neither).
 */
export function callSpan(call: CallRecord, captureContent: boolean): CallSpan {
  const operation = operations[call.kind];
  const attributes: Attributes = {
    [GenAI.operationName]: operation,
    [GenAI.requestModel]: call.requestedModel,
    [GenAI.requestStream]: call.stream,
    [Switchyard.callId]: call.callId,
    [Switchyard.surface]: call.surface,
    [Switchyard.retries]: call.retries,
    [Switchyard.fallbacks]: call.fallbacks,
    [Switchyard.principal]: call.principal.kind,
  };
  if (call.provider) {
    const provider = providerNames[call.provider] ?? call.provider;
    attributes[GenAI.providerName] = provider;
    attributes[GenAI.system] = provider;
  }
  set(attributes, GenAI.responseModel, call.upstreamModel);
  set(attributes, Switchyard.modelGroup, call.modelGroup);
  set(attributes, Switchyard.deploymentId, call.deploymentId);
  set(attributes, Switchyard.costUsd, call.costUsd);
  set(attributes, Switchyard.overheadMs, call.overheadMs);
  set(attributes, General.userId, call.user);
  if (call.timeToFirstTokenMs !== undefined) {
    attributes[Switchyard.timeToFirstTokenMs] = call.timeToFirstTokenMs;
    attributes[GenAI.responseTimeToFirstChunk] = call.timeToFirstTokenMs / 1000;
  }
  const usage = call.usage;
  if (usage) {
    attributes[GenAI.usageInputTokens] = usage.promptTokens;
    attributes[GenAI.usageOutputTokens] = usage.completionTokens;
    if (usage.cachedTokens) attributes[GenAI.usageCacheReadInputTokens] = usage.cachedTokens;
    if (usage.cacheCreationTokens)
      attributes[GenAI.usageCacheCreationInputTokens] = usage.cacheCreationTokens;
    if (usage.reasoningTokens) attributes[GenAI.usageReasoningOutputTokens] = usage.reasoningTokens;
  }
  if (call.kind === "chat" || call.kind === "text") requestParameters(attributes, call.request);
  for (const [key, value] of Object.entries(call.metadata ?? {})) {
    attributes[Switchyard.metadataPrefix + key] = value;
  }
  if (captureContent) {
    set(attributes, GenAI.inputMessages, inputMessages(call.kind, call.request));
    if (call.output !== undefined) attributes[GenAI.outputMessages] = outputMessages(call.output);
  }
  const error = call.error;
  if (error) {
    // The OpenAI error type is the low-cardinality class the convention asks for.
    attributes[General.errorType] = error.type;
    attributes[Switchyard.errorCode] = Code[error.code];
    attributes[Switchyard.errorHttpStatus] = error.httpStatus;
  }
  return {
    name: `${operation} ${call.requestedModel}`,
    startTime: call.startTime,
    endTime: call.startTime + call.latencyMs,
    attributes,
    ...(error && { errorMessage: error.message }),
  };
}

/** The sampling fields ChatCompletionRequest and TextCompletionRequest share, unset when not given. */
interface SamplingParameters {
  readonly temperature?: number;
  readonly maxTokens?: number;
  readonly topP?: number;
  readonly presencePenalty?: number;
  readonly frequencyPenalty?: number;
  readonly seed?: bigint;
  readonly stop?: readonly string[];
  readonly n?: number;
}

/** Sampling parameters the caller set. */
function requestParameters(attributes: Attributes, request: unknown): void {
  const parameters = request as SamplingParameters;
  set(attributes, GenAI.requestTemperature, parameters.temperature);
  set(attributes, GenAI.requestMaxTokens, parameters.maxTokens);
  set(attributes, GenAI.requestTopP, parameters.topP);
  set(attributes, GenAI.requestPresencePenalty, parameters.presencePenalty);
  set(attributes, GenAI.requestFrequencyPenalty, parameters.frequencyPenalty);
  if (parameters.seed !== undefined) attributes[GenAI.requestSeed] = Number(parameters.seed);
  if (parameters.stop?.length) attributes[GenAI.requestStopSequences] = [...parameters.stop];
  // The convention records the choice count only when it is not the default of one.
  if (parameters.n !== undefined && parameters.n !== 1) attributes[GenAI.requestChoiceCount] = parameters.n;
}

function set(attributes: Attributes, key: string, value: string | number | undefined): void {
  if (value !== undefined && value !== "") attributes[key] = value;
}
