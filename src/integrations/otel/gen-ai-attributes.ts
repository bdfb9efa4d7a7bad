/**
 * Span attribute names: the OpenTelemetry GenAI semantic conventions (as
 * @opentelemetry/semantic-conventions 1.45 spells them; that package marks
 * them moved to the GenAI conventions repository, so they are copied here
 * rather than imported from its incubating entry point), the general ones we
 * use, and Switchyard's own under `switchyard.*`.
 */
export const GenAI = {
  operationName: "gen_ai.operation.name",
  providerName: "gen_ai.provider.name",
  /** Deprecated for gen_ai.provider.name; still read by many backends. */
  system: "gen_ai.system",
  requestModel: "gen_ai.request.model",
  requestStream: "gen_ai.request.stream",
  requestTemperature: "gen_ai.request.temperature",
  requestMaxTokens: "gen_ai.request.max_tokens",
  requestTopP: "gen_ai.request.top_p",
  requestSeed: "gen_ai.request.seed",
  requestPresencePenalty: "gen_ai.request.presence_penalty",
  requestFrequencyPenalty: "gen_ai.request.frequency_penalty",
  requestStopSequences: "gen_ai.request.stop_sequences",
  requestChoiceCount: "gen_ai.request.choice.count",
  responseModel: "gen_ai.response.model",
  /** Seconds. */
  responseTimeToFirstChunk: "gen_ai.response.time_to_first_chunk",
  usageInputTokens: "gen_ai.usage.input_tokens",
  usageOutputTokens: "gen_ai.usage.output_tokens",
  usageCacheReadInputTokens: "gen_ai.usage.cache_read.input_tokens",
  usageCacheCreationInputTokens: "gen_ai.usage.cache_creation.input_tokens",
  usageReasoningOutputTokens: "gen_ai.usage.reasoning.output_tokens",
  /** JSON text, only when message contents are captured. */
  inputMessages: "gen_ai.input.messages",
  /** JSON text, only when message contents are captured. */
  outputMessages: "gen_ai.output.messages",
} as const;

export const General = {
  errorType: "error.type",
  userId: "user.id",
  serviceName: "service.name",
  deploymentEnvironmentName: "deployment.environment.name",
  /** The pre-1.27 name, which older backends still key environments on. */
  deploymentEnvironment: "deployment.environment",
} as const;

export const Switchyard = {
  callId: "switchyard.call_id",
  surface: "switchyard.surface",
  modelGroup: "switchyard.model_group",
  deploymentId: "switchyard.deployment_id",
  costUsd: "switchyard.cost_usd",
  retries: "switchyard.retries",
  fallbacks: "switchyard.fallbacks",
  timeToFirstTokenMs: "switchyard.ttft_ms",
  overheadMs: "switchyard.overhead_ms",
  principal: "switchyard.principal",
  errorCode: "switchyard.error.code",
  errorHttpStatus: "switchyard.error.http_status",
  /** Prefix of one attribute per caller metadata key. */
  metadataPrefix: "switchyard.metadata.",
} as const;
