import { describe, expect, it } from "vitest";
import { GatewayError } from "../../../src/errors/gateway-error.js";
import { decodeChatRequest } from "../../../src/wire/openai/chat-request.js";

describe("the OpenAI chat body's prompt fields", () => {
  it("decodes prompt_id, prompt_variables and prompt_version as fields, not extra_body", () => {
    const { request } = decodeChatRequest({
      model: "gpt-test",
      messages: [{ role: "user", content: "hi" }],
      prompt_id: "support",
      prompt_variables: { product: "Switchyard", tags: ["a"] },
      prompt_version: 2,
      top_k: 5,
    });
    expect(request.promptId).toBe("support");
    expect(request.promptVariables).toEqual({ product: "Switchyard", tags: ["a"] });
    expect(request.promptVersion).toBe(2);
    expect(request.extraBody).toEqual({ top_k: 5 });
  });

  it("lets a prompted request leave out model and messages", () => {
    const { request } = decodeChatRequest({ prompt_id: "support", messages: [] });
    expect(request.model).toBe("");
    expect(request.messages).toEqual([]);
  });

  it.each([
    [{ messages: [{ role: "user", content: "x" }] }, "model", "'model' is required"],
    [{ model: "m", prompt_id: 7 }, "prompt_id", "'prompt_id' must be a string"],
    [
      { model: "m", prompt_id: "p", prompt_version: 1.5 },
      "prompt_version",
      "'prompt_version' must be an integer",
    ],
  ])("refuses %j naming %s", (body, param, message) => {
    try {
      decodeChatRequest(body);
    } catch (error) {
      expect(error).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).param).toBe(param);
      expect((error as GatewayError).rawMessage).toBe(message);
      return;
    }
    throw new Error("expected a 400");
  });
});
