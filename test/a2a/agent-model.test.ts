import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";

const KEY = "sk-agent-model";
let upstream: FakeOpenAI;
let running: RunningGateway;
let openai: OpenAI;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  running = await startGateway(`
general_settings:
  master_key: ${KEY}
model_list:
  - model_name: chat
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstream.url}, api_key: sk-up }
agents:
  - agent_name: echo
    agent_card_params: { name: Echo, description: Echoes through the router }
    litellm_params: { model: chat, system_prompt: Be brief. }
`);
  openai = new OpenAI({ apiKey: KEY, baseURL: `${running.url}/v1`, maxRetries: 0 });
}, 30_000);

afterAll(async () => {
  await running?.close();
  await upstream?.close();
});

describe("an agent as a chat model (a2a/<agent>)", () => {
  it("answers with the agent's text, earlier messages sent as context", async () => {
    const completion = await openai.chat.completions.create({
      model: "a2a/echo",
      messages: [
        { role: "user", content: "first question" },
        { role: "assistant", content: "first answer" },
        { role: "user", content: "what next" },
      ],
    });
    expect(completion.model).toBe("a2a/echo");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    const text = completion.choices[0]?.message.content ?? "";
    expect(text.startsWith("echo: ")).toBe(true);
    expect(text).toContain("user: first question");
    expect(text).toContain("assistant: first answer");
    expect(text.endsWith("what next")).toBe(true);
    // The agent's own model group answered, behind the agent's system prompt.
    const upstreamRequest = upstream.requests.at(-1)?.body as { messages: { role: string }[] };
    expect(upstreamRequest.messages[0]).toMatchObject({ role: "system", content: "Be brief." });
  });

  it("streams the agent's artifact text as content deltas", async () => {
    const stream = await openai.chat.completions.create({
      model: "a2a/echo",
      messages: [{ role: "user", content: "one two three four" }],
      stream: true,
    });
    const deltas: string[] = [];
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) deltas.push(choice.delta.content);
      if (choice?.finish_reason) finish = choice.finish_reason;
    }
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe("echo: one two three four");
    expect(finish).toBe("stop");
  });

  it("answers on the Anthropic door too", async () => {
    const anthropic = new Anthropic({ apiKey: KEY, baseURL: running.url, maxRetries: 0 });
    const message = await anthropic.messages.create({
      model: "a2a/echo",
      max_tokens: 100,
      messages: [{ role: "user", content: "hello from claude" }],
    });
    const block = message.content[0];
    expect(block?.type === "text" ? block.text : "").toBe("echo: hello from claude");
  });

  it("answers 404 for an unknown agent", async () => {
    const error = await openai.chat.completions
      .create({ model: "a2a/nobody", messages: [{ role: "user", content: "hi" }] })
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
  });
});
