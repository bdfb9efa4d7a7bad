import { describe, expect, it } from "vitest";
import { mayUseModel } from "../../src/keys/model-access.js";
import type { VirtualKey } from "../../src/keys/virtual-key.js";

const keyWith = (models: string[]) =>
  ({ tokenId: "t", keyName: "sk-...abcd", models }) as unknown as VirtualKey;

describe("a key's model list, as LiteLLM reads it", () => {
  it("grants every model a wildcard entry matches, and no other", () => {
    const key = keyWith(["openai/*", "bedrock/*"]);
    expect(mayUseModel(key, "bedrock/anthropic.claude-3")).toBe(true);
    expect(mayUseModel(key, "openai/gpt-4o")).toBe(true);
    expect(mayUseModel(key, "anthropic/claude-3")).toBe(false);
    expect(mayUseModel(key, "gpt-4o")).toBe(false);
  });

  it("grants a model through an access group of the group serving it", () => {
    const key = keyWith(["beta-models"]);
    expect(mayUseModel(key, "gpt-4o", new Set(["beta-models"]))).toBe(true);
    expect(mayUseModel(key, "gpt-4o", new Set(["other"]))).toBe(false);
    expect(mayUseModel(key, "gpt-4o")).toBe(false);
  });

  it("still grants exact names and everything for `*`", () => {
    expect(mayUseModel(keyWith(["gpt-4o"]), "gpt-4o")).toBe(true);
    expect(mayUseModel(keyWith(["*"]), "anything")).toBe(true);
  });
});
