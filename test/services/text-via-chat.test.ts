import { describe, expect, it } from "vitest";
import { legacyLogprobs } from "../../src/providers/text-via-chat.js";

describe("logprobs of a text completion served through chat", () => {
  it("are rewritten from chat's per-token list to the legacy parallel arrays", () => {
    const chat = {
      content: [
        { token: "Hi", logprob: -0.1, bytes: [72, 105], top_logprobs: [{ token: "Hi", logprob: -0.1 }] },
        { token: " there", logprob: -0.5, bytes: [], top_logprobs: [{ token: " you", logprob: -1.2 }] },
      ],
      refusal: null,
    };
    // Offset 3: an echoed three-character prompt comes first.
    expect(legacyLogprobs(chat, 3)).toEqual({
      tokens: ["Hi", " there"],
      token_logprobs: [-0.1, -0.5],
      top_logprobs: [{ Hi: -0.1 }, { " you": -1.2 }],
      text_offset: [3, 5],
    });
  });

  it("are absent when the provider sent none", () => {
    expect(legacyLogprobs(undefined, 0)).toBeUndefined();
    expect(legacyLogprobs({ content: null }, 0)).toBeUndefined();
  });
});
