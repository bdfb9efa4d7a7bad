import { Role } from "../../gen/switchyard/v1/chat_pb.js";
import type { ChatCompletionRequest, TextCompletionRequest } from "../../gen/switchyard/v1/completion_pb.js";
import type { CallObserver, CallRecord } from "../accounting/call-record.js";
import type { Logger } from "./logger.js";

export interface AccessLogOptions {
  readonly logger: Logger;
  /**
   * `litellm_settings.log_message_content`: add the request's messages (or
   * prompt) and the answer's text to each line. Off by default: contents are
   * the callers' data, and logs travel further than the gateway.
   */
  readonly messageContent?: boolean;
}

/**
 * One JSON line per finished call at `info`, success or failure: who
 * answered, how it went, what it took and cost. Built from the CallRecord
 * only, which holds no keys; bodies only when enabled. pino serialises the
 * line synchronously and hands it to the logger's destination (the server's
 * writes asynchronously and flushes at exit).
 *
 * The line is a fixed list of fields, none of them a secret, so it skips the
 * logger's redaction pass: walking every field for `*.apiKey`-style paths
 * cost ~19 µs a line, four times the rest of the line's serialisation.
 */
export class AccessLog implements CallObserver {
  readonly wantsContent: boolean;
  readonly #logger: Logger;

  constructor(options: AccessLogOptions) {
    this.#logger = options.logger.child({}, { redact: { paths: [] } });
    this.wantsContent = options.messageContent ?? false;
  }

  record(call: CallRecord): void {
    const logger = this.#logger;
    if (!logger.isLevelEnabled("info")) return;
    const usage = call.usage;
    const error = call.error;
    const line = {
      callId: call.callId,
      surface: call.surface,
      kind: call.kind,
      stream: call.stream,
      model: call.requestedModel,
      modelGroup: call.modelGroup,
      deployment: call.deploymentId,
      provider: call.provider,
      upstreamModel: call.upstreamModel,
      status: error?.httpStatus ?? 200,
      errorType: error?.type,
      error: error?.message,
      latencyMs: milliseconds(call.latencyMs),
      ttftMs: call.stream ? milliseconds(call.timeToFirstTokenMs) : undefined,
      overheadMs: milliseconds(call.overheadMs),
      promptTokens: usage?.promptTokens,
      completionTokens: usage?.completionTokens,
      cachedTokens: usage?.cachedTokens || undefined,
      costUsd: call.costUsd,
      cacheHit: call.cacheHit,
      retries: call.retries,
      fallbacks: call.fallbacks,
      principal: call.principal.kind,
      // A virtual key's display name ("sk-...abcd") and alias, never the key.
      keyName: call.principal.kind === "virtual_key" ? call.principal.key.keyName : undefined,
      keyAlias: call.principal.kind === "virtual_key" ? call.principal.key.keyAlias : undefined,
      user: call.user,
    };
    // Assigned after, not spread in: a spread makes V8 build the whole line on its slow path.
    if (this.wantsContent) Object.assign(line, contentOf(call));
    logger.info(line, "request");
  }
}

/** Rounded to 0.01 ms: enough to read, short to write. */
function milliseconds(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.round(value * 100) / 100;
}

/** The request's input and the answer's text, as plain strings. */
function contentOf(call: CallRecord): { input?: unknown; output?: string } {
  const output = call.output;
  switch (call.kind) {
    case "chat": {
      const request = call.request as ChatCompletionRequest;
      return {
        input: request.messages.map((message) => ({
          role: Role[message.role]?.toLowerCase(),
          content: message.content
            .map((part) => (part.part.case === "text" ? part.part.value : `[${part.part.case ?? "empty"}]`))
            .join(""),
        })),
        output,
      };
    }
    case "text":
      return { input: (call.request as TextCompletionRequest).prompt, output };
    case "embeddings":
    case "rerank":
    case "images":
    case "moderations":
    case "speech":
    case "transcriptions":
      return {};
  }
}
