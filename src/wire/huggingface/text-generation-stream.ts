import { FinishReason, type Usage } from "../../../gen/switchyard/v1/chat_pb.js";
import { invalidUpstreamResponse } from "../../errors/gateway-error.js";
import { decodeFinishReason } from "../openai/finish-reason.js";
import { isJsonObject } from "../openai/json-object.js";
import { decodeHuggingFaceStreamError } from "./huggingface-error.js";
import { decodeDetailsUsage } from "./text-generation-response.js";

/** What one stream event adds: new text, and on the last event the finish reason and usage. */
export interface StreamPiece {
  /** New text for the caller; may be "" (a special token, or text held back). */
  readonly text: string;
  /** UNSPECIFIED until the last event. */
  readonly finishReason: FinishReason;
  /** Set on the last event, from its `details`. */
  readonly usage: Usage | undefined;
}

/**
 * Decodes `/generate_stream` events (`data: {token:{text,special}, generated_text, details}`)
 * one at a time, for one stream.
 *
 * Special tokens (`</s>`, `<|im_end|>`) are not text and are dropped. With
 * stop sequences, text that could be the start of one is held back until
 * the next token shows it is not: servers send the stop sequence itself
 * before ending with `stop_sequence`, and OpenAI callers expect it left out.
 * An event with an `error` member is thrown as a GatewayError.
 */
export class TextGenerationStreamDecoder {
  readonly #stop: readonly string[];
  /** Text withheld because it may be the beginning of a stop sequence. */
  #pending = "";

  constructor(stop: readonly string[]) {
    this.#stop = stop.filter((sequence) => sequence !== "");
  }

  decode(event: unknown): StreamPiece {
    if (!isJsonObject(event)) throw invalidUpstreamResponse();
    if (event.error !== undefined && event.error !== null) throw decodeHuggingFaceStreamError(event);
    const token = isJsonObject(event.token) ? event.token : undefined;
    const tokenText =
      token !== undefined && token.special !== true && typeof token.text === "string" ? token.text : "";
    const text = this.#pending + tokenText;
    const details = isJsonObject(event.details) ? event.details : undefined;
    if (details === undefined) {
      const held = this.#heldSuffixLength(text);
      this.#pending = held === 0 ? "" : text.slice(text.length - held);
      return {
        text: held === 0 ? text : text.slice(0, text.length - held),
        finishReason: FinishReason.UNSPECIFIED,
        usage: undefined,
      };
    }
    this.#pending = "";
    let finalText = text;
    if (details.finish_reason === "stop_sequence") {
      for (const sequence of this.#stop) {
        if (finalText.endsWith(sequence)) {
          finalText = finalText.slice(0, finalText.length - sequence.length);
          break;
        }
      }
    }
    const finishReason = decodeFinishReason(details.finish_reason);
    return {
      text: finalText,
      finishReason: finishReason === FinishReason.UNSPECIFIED ? FinishReason.STOP : finishReason,
      usage: decodeDetailsUsage(details),
    };
  }

  /** Length of the longest end of `text` that is a proper beginning of a stop sequence. */
  #heldSuffixLength(text: string): number {
    let longest = 0;
    for (const sequence of this.#stop) {
      for (let length = Math.min(sequence.length - 1, text.length); length > longest; length--) {
        if (text.endsWith(sequence.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}
