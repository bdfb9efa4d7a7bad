import { randomUUID } from "node:crypto";
import { Code, type HandlerContext } from "@connectrpc/connect";
import type { ChatMessage } from "../../gen/switchyard/v1/chat_pb.js";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
} from "../../gen/switchyard/v1/completion_pb.js";
import { principalKey } from "../auth/context-keys.js";
import { GatewayError } from "../errors/gateway-error.js";
import type { UpstreamClient } from "../http/upstream-client.js";
import type { Logger } from "../observability/logger.js";
import { type CheckResult, runCheck } from "./guardrail-checks.js";
import type { GuardrailMode, GuardrailSpec } from "./guardrail-settings.js";

export interface GuardrailsOptions {
  readonly specs: readonly GuardrailSpec[];
  readonly client: UpstreamClient;
  readonly logger: Logger;
  readonly onCheck?: (guardrail: string, mode: GuardrailMode | "apply", outcome: string) => void;
}

/** A chat call to guard: its guardrails, and whom to tell of a refusal before it started (for its record). */
export interface GuardedChat {
  readonly specs: readonly GuardrailSpec[];
  readonly request: ChatCompletionRequest;
  readonly context: HandlerContext;
  readonly refused?: (error: unknown) => void;
}

/**
 * The configured guardrails, applied to chat calls on every door (the
 * Completion service calls `chat` / `chatStream` around the call):
 * - pre_call: on the request's texts before routing; MASK rewrites them;
 * - during_call: on the request's texts while the model answers; a block
 *   discards the answer (a stream's first chunk waits for the verdict);
 * - post_call: on the answer's texts; MASK rewrites them. A stream is held
 *   whole and checked once it ends (buffer-and-check), then sent: the caller
 *   sees no token before the check, the cost of checking the whole answer.
 * A call runs the `default_on` guardrails, those its body names
 * (`guardrails: [...]`, or `metadata.guardrails`) and those of its virtual
 * key (`metadata.guardrails`).
 */
export class Guardrails {
  readonly #specs: ReadonlyMap<string, GuardrailSpec>;
  readonly #defaults: readonly GuardrailSpec[];
  readonly #client: UpstreamClient;
  readonly #logger: Logger;
  readonly #onCheck: GuardrailsOptions["onCheck"];

  constructor(options: GuardrailsOptions) {
    this.#specs = new Map(options.specs.map((spec) => [spec.name, spec]));
    this.#defaults = options.specs.filter((spec) => spec.defaultOn);
    this.#client = options.client;
    this.#logger = options.logger;
    this.#onCheck = options.onCheck;
  }

  get list(): readonly GuardrailSpec[] {
    return [...this.#specs.values()];
  }

  /** The guardrails of one call; a name that is not configured is the caller's mistake (400). */
  selected(requested: readonly string[] | undefined, context: HandlerContext): GuardrailSpec[] {
    const principal = context.values.get(principalKey);
    const keyNames = principal.kind === "virtual_key" ? stringList(principal.key.metadata.guardrails) : [];
    if (!requested?.length && keyNames.length === 0) return this.#defaults as GuardrailSpec[];
    const chosen = new Set(this.#defaults);
    for (const name of [...(requested ?? []), ...keyNames]) {
      const spec = this.#specs.get(name);
      if (!spec) {
        throw GatewayError.invalidArgument(
          `guardrail '${name}' is not configured (configured: ${[...this.#specs.keys()].join(", ") || "none"})`,
          "guardrails",
        );
      }
      chosen.add(spec);
    }
    return [...chosen];
  }

  /** A unary chat call under its guardrails. */
  async chat(guarded: GuardedChat, call: () => Promise<ChatCompletion>): Promise<ChatCompletion> {
    const { specs, request, context } = guarded;
    const callId = randomUUID();
    await this.#pre(guarded, callId);
    const during = this.#during(guarded, callId);
    const answer = await call();
    await during;
    const post = withMode(specs, "post_call");
    if (post.length === 0) return answer;
    const texts = answer.choices.map((choice) => messageText(choice.message));
    const checked = await this.#run(post, "post_call", texts, "response", request.model, context, callId);
    if (checked) {
      answer.choices.forEach((choice, index) => {
        if (choice.message) setMessageText(choice.message, checked[index] ?? "");
      });
    }
    return answer;
  }

  /** A streamed chat call under its guardrails (post_call: held and checked whole, see above). */
  async *chatStream(
    guarded: GuardedChat,
    open: () => AsyncGenerator<ChatCompletionChunk>,
  ): AsyncGenerator<ChatCompletionChunk> {
    const { specs, request, context } = guarded;
    const callId = randomUUID();
    await this.#pre(guarded, callId);
    const during = this.#during(guarded, callId);
    const post = withMode(specs, "post_call");
    const chunks = open();
    if (post.length === 0) {
      let verdictIn = false;
      for await (const chunk of chunks) {
        if (!verdictIn) {
          await during;
          verdictIn = true;
        }
        yield chunk;
      }
      await during;
      return;
    }
    const held: ChatCompletionChunk[] = [];
    const texts: string[] = [];
    let heldCharacters = 0;
    for await (const chunk of chunks) {
      held.push(chunk);
      for (const delta of chunk.choices) {
        texts[delta.index] = (texts[delta.index] ?? "") + delta.content;
        heldCharacters += delta.content.length;
      }
      // Held answers are bounded: past the bound the answer cannot be checked, so it is not sent.
      if (heldCharacters > MAX_HELD_CHARACTERS || held.length > MAX_HELD_CHUNKS) throw tooLongToCheck(post);
    }
    await during;
    const checked = await this.#run(
      post,
      "post_call",
      texts.map((text) => text ?? ""),
      "response",
      request.model,
      context,
      callId,
    );
    if (checked) {
      // The masked text of a choice goes out in its first content delta; its later deltas carry none.
      const sent = new Set<number>();
      for (const chunk of held) {
        for (const delta of chunk.choices) {
          if (delta.content === "") continue;
          delta.content = sent.has(delta.index) ? "" : (checked[delta.index] ?? "");
          sent.add(delta.index);
        }
      }
    }
    yield* held;
  }

  /** `/guardrails/apply_guardrail`: one guardrail over one text, as LiteLLM's route. */
  async apply(name: string, text: string, signal: AbortSignal): Promise<string> {
    const spec = this.#specs.get(name);
    if (!spec)
      throw new GatewayError({ code: Code.NotFound, message: `guardrail '${name}' is not configured` });
    const result = await runCheck(
      spec,
      { texts: [text], inputType: "request", callId: randomUUID(), model: "", signal },
      this.#client,
    );
    this.#onCheck?.(name, "apply", result.outcome);
    if (result.outcome === "blocked") throw blocked(spec, result.reason);
    return result.outcome === "masked" ? (result.texts[0] ?? "") : text;
  }

  /** The pre_call guardrails; a refusal here is a call that never started (told to `refused`, for its record). */
  async #pre({ specs, request, context, refused }: GuardedChat, callId: string) {
    const pre = withMode(specs, "pre_call");
    if (pre.length === 0) return;
    const texts = request.messages.map(messageText);
    let checked: string[] | undefined;
    try {
      checked = await this.#run(pre, "pre_call", texts, "request", request.model, context, callId);
    } catch (error) {
      refused?.(error);
      throw error;
    }
    if (checked) {
      request.messages.forEach((message, index) => {
        if (checked[index] !== texts[index]) setMessageText(message, checked[index] ?? "");
      });
    }
  }

  #during({ specs, request, context }: GuardedChat, callId: string): Promise<void> {
    const during = withMode(specs, "during_call");
    if (during.length === 0) return Promise.resolve();
    const texts = request.messages.map(messageText);
    const verdict = this.#run(during, "during_call", texts, "request", request.model, context, callId).then(
      () => undefined,
    );
    // Awaited by the caller after the model's answer; until then a rejection must not count as unhandled.
    verdict.catch(() => undefined);
    return verdict;
  }

  /** Runs guardrails in order over the texts; the masked texts if any changed, else undefined. */
  async #run(
    specs: readonly GuardrailSpec[],
    mode: GuardrailMode,
    texts: readonly string[],
    inputType: "request" | "response",
    model: string,
    context: HandlerContext,
    callId: string,
  ): Promise<string[] | undefined> {
    let current = texts;
    let changed = false;
    for (const spec of specs) {
      let result: CheckResult;
      try {
        result = await runCheck(
          spec,
          { texts: current, inputType, callId, model, signal: context.signal },
          this.#client,
        );
      } catch (error) {
        this.#onCheck?.(spec.name, mode, "error");
        throw error;
      }
      this.#onCheck?.(spec.name, mode, result.outcome);
      if (result.outcome === "blocked") {
        this.#logger.warn(
          { guardrail: spec.name, mode, model, reason: result.reason },
          "guardrail blocked a call",
        );
        throw blocked(spec, result.reason);
      }
      if (result.outcome === "masked") {
        current = result.texts;
        changed = true;
      }
    }
    return changed ? [...current] : undefined;
  }
}

/** What a post_call guardrail holds of one streamed answer: far beyond any model's output. */
const MAX_HELD_CHARACTERS = 4 * 1024 * 1024;
const MAX_HELD_CHUNKS = 200_000;

function tooLongToCheck(specs: readonly GuardrailSpec[]): GatewayError {
  return new GatewayError({
    code: Code.ResourceExhausted,
    message: `the answer is too long for the post_call guardrails (${specs.map((spec) => spec.name).join(", ")}) to hold and check`,
    errorCode: "guardrail_answer_too_long",
    retryable: false,
  });
}

/** LiteLLM answers a guardrail's refusal with a 400 naming what was found; the guardrail is named too. */
function blocked(spec: GuardrailSpec, reason: string): GatewayError {
  return new GatewayError({
    code: Code.InvalidArgument,
    message: `${reason} (guardrail: ${spec.name})`,
    errorCode: "400",
    param: "guardrails",
  });
}

function withMode(specs: readonly GuardrailSpec[], mode: GuardrailMode): GuardrailSpec[] {
  return specs.filter((spec) => spec.modes.has(mode));
}

/** A message's text parts, joined; what guardrails read. */
function messageText(message: ChatMessage | undefined): string {
  if (!message) return "";
  let text = "";
  for (const part of message.content) if (part.part.case === "text") text += part.part.value;
  return text;
}

/** Puts `text` in the message's first text part and empties the others (only called when a guardrail rewrote it). */
function setMessageText(message: ChatMessage, text: string): void {
  let first = true;
  for (const part of message.content) {
    if (part.part.case !== "text") continue;
    part.part.value = first ? text : "";
    first = false;
  }
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}
