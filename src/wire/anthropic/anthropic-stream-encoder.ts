import { FinishReason, type Usage } from "../../../gen/switchyard/v1/chat_pb.js";
import type { ChatCompletionChunk, ChoiceDelta } from "../../../gen/switchyard/v1/completion_pb.js";
import { encodeStopReason } from "./anthropic-stop-reason.js";
import type { AnthropicStreamEvent } from "./anthropic-types.js";
import { encodeAnthropicUsage } from "./anthropic-usage.js";

/**
 * Turns switchyard.v1 chunks into the Anthropic Messages event sequence the
 * official SDK expects (shim side). One encoder per stream:
 *
 * 1. `message_start` with the first chunk (usage zero: OpenAI-style
 *    upstreams report usage only at the end);
 * 2. per content block `content_block_start`, its deltas (`text_delta`,
 *    `input_json_delta`, `thinking_delta`), `content_block_stop`. Blocks
 *    are sequential: a block closes when output of another kind, or another
 *    tool call, begins;
 * 3. at `finish()`: `message_delta` with the stop reason and the cumulative
 *    usage (input tokens included, which the SDK takes over), then
 *    `message_stop`.
 *
 * Anthropic has no `n`: only choice 0 is translated.
 */
export interface AnthropicStreamEncoder {
  /** Emits the events for one chunk (often none: role-only and usage-only chunks). */
  encode(chunk: ChatCompletionChunk): void;
  /** Emits the closing events. Call once, after the last chunk. */
  finish(): void;
}

type BlockKind = "text" | "thinking" | "tool_use";

export function createAnthropicStreamEncoder(
  emit: (event: AnthropicStreamEvent) => void,
): AnthropicStreamEncoder {
  let started = false;
  let nextBlock = 0;
  /** The block receiving output, if one is open. */
  let openBlock: { index: number; kind: BlockKind } | undefined;
  /** Block index of every tool call seen, by OpenAI tool call index. */
  const blockByTool = new Map<number, number>();
  let finishReason = FinishReason.UNSPECIFIED;
  let callsTools = false;
  let usage: Usage | undefined;

  const start = (chunk: ChatCompletionChunk | undefined) => {
    started = true;
    emit({
      type: "message_start",
      message: {
        id: chunk?.id ?? "",
        type: "message",
        role: "assistant",
        model: chunk?.model ?? "",
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: encodeAnthropicUsage(undefined),
      },
    });
  };

  const closeBlock = () => {
    if (openBlock === undefined) return;
    emit({ type: "content_block_stop", index: openBlock.index });
    openBlock = undefined;
  };

  /** Makes a text or thinking block the open one and returns its index. */
  const ensureBlock = (kind: "text" | "thinking"): number => {
    if (openBlock?.kind === kind) return openBlock.index;
    closeBlock();
    const index = nextBlock++;
    openBlock = { index, kind };
    emit({
      type: "content_block_start",
      index,
      content_block:
        kind === "text" ? { type: "text", text: "" } : { type: "thinking", thinking: "", signature: "" },
    });
    return index;
  };

  const encodeChoice = (choice: ChoiceDelta) => {
    if (choice.reasoningContent !== "") {
      const index = ensureBlock("thinking");
      emit({
        type: "content_block_delta",
        index,
        delta: { type: "thinking_delta", thinking: choice.reasoningContent },
      });
    }
    const text = choice.content !== "" ? choice.content : choice.refusal;
    if (text !== "") {
      const index = ensureBlock("text");
      emit({ type: "content_block_delta", index, delta: { type: "text_delta", text } });
    }
    for (const call of choice.toolCalls) {
      let index = blockByTool.get(call.index);
      if (index === undefined) {
        closeBlock();
        index = nextBlock++;
        callsTools = true;
        blockByTool.set(call.index, index);
        openBlock = { index, kind: "tool_use" };
        emit({
          type: "content_block_start",
          index,
          content_block: { type: "tool_use", id: call.id, name: call.name, input: {} },
        });
      }
      if (call.arguments !== "") {
        emit({
          type: "content_block_delta",
          index,
          delta: { type: "input_json_delta", partial_json: call.arguments },
        });
      }
    }
    if (choice.finishReason !== FinishReason.UNSPECIFIED) finishReason = choice.finishReason;
  };

  return {
    encode(chunk) {
      if (!started) start(chunk);
      if (chunk.usage !== undefined) usage = chunk.usage;
      for (const choice of chunk.choices) {
        if (choice.index === 0) encodeChoice(choice);
      }
    },

    finish() {
      if (!started) start(undefined);
      closeBlock();
      const { input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens } =
        encodeAnthropicUsage(usage);
      emit({
        type: "message_delta",
        delta: { stop_reason: encodeStopReason(finishReason, callsTools), stop_sequence: null },
        usage: { input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens },
      });
      emit({ type: "message_stop" });
    },
  };
}
