import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";
import { type Capability, type ProviderCase, providerCases, type RunningUpstream } from "./provider-cases.js";

/**
 * One suite, every provider: each capability a provider claims is exercised
 * through the gateway with the official OpenAI client, and each one it does
 * not claim must fail fast with a 4xx that never reaches the upstream.
 */

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};
const pixel =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

type Check = (client: OpenAI, upstream: RunningUpstream, subject: ProviderCase) => Promise<void>;

const checks: Record<Capability, Check> = {
  async chat(client, upstream, subject) {
    const completion = await client.chat.completions.create({
      model: "subject",
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: "conformance chat" },
      ],
      max_tokens: 100,
    });
    // Text-generation models continue a rendered transcript, so only the user text is certain.
    expect(completion.choices[0]?.message.content).toContain("conformance chat");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(subject.sentSystem(upstream.requests.at(-1)!.body)).toBe("You are terse.");
  },

  async stream(client) {
    const stream = await client.chat.completions.create({
      model: "subject",
      messages: [{ role: "user", content: "conformance stream of words" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finish: string | null = null;
    let deltas = 0;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        if (choice.delta.content) {
          text += choice.delta.content;
          deltas++;
        }
        finish = choice.finish_reason ?? finish;
      }
      usage = chunk.usage ?? usage;
    }
    expect(text).toContain("conformance stream of words");
    expect(deltas).toBeGreaterThan(1);
    expect(finish).toBe("stop");
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  },

  async tools(client, upstream, subject) {
    const first = await client.chat.completions.create({
      model: "subject",
      messages: [{ role: "user", content: "weather in Lyon" }],
      tools: [weatherTool],
    });
    expect(subject.sentToolNames(upstream.requests.at(-1)!.body)).toEqual(["get_weather"]);
    const call = first.choices[0]?.message.tool_calls?.[0];
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    if (call?.type !== "function") throw new Error("expected a function call");
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toEqual({ query: "weather in Lyon" });
    const second = await client.chat.completions.create({
      model: "subject",
      messages: [
        { role: "user", content: "weather in Lyon" },
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: call.id, content: "21C" },
      ],
      tools: [weatherTool],
    });
    expect(second.choices[0]?.message.content).toBe("tool said: 21C");
  },

  async "stream-tools"(client) {
    const stream = await client.chat.completions.create({
      model: "subject",
      messages: [{ role: "user", content: "weather in Turin" }],
      tools: [weatherTool],
      stream: true,
    });
    let name = "";
    let argumentsText = "";
    let finish: string | null = null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      for (const toolCall of choice?.delta.tool_calls ?? []) {
        name ||= toolCall.function?.name ?? "";
        argumentsText += toolCall.function?.arguments ?? "";
      }
      finish = choice?.finish_reason ?? finish;
    }
    expect(name).toBe("get_weather");
    expect(JSON.parse(argumentsText)).toEqual({ query: "weather in Turin" });
    expect(finish).toBe("tool_calls");
  },

  async embeddings(client) {
    const response = await client.embeddings.create({ model: "subject", input: ["one", "two"] });
    expect(response.data.map((item) => item.index)).toEqual([0, 1]);
    expect(response.data[0]?.embedding.length).toBeGreaterThan(0);
    expect(response.data[0]?.embedding).not.toEqual(response.data[1]?.embedding);
  },

  async "text-completion"(client) {
    const completion = await client.completions.create({
      model: "subject",
      prompt: "conformance prompt",
      max_tokens: 50,
    });
    expect(completion.object).toBe("text_completion");
    expect(completion.choices[0]?.text).toContain("conformance prompt");
  },

  async images(client, upstream, subject) {
    const completion = await client.chat.completions.create({
      model: "subject",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "describe" },
            { type: "image_url", image_url: { url: pixel } },
          ],
        },
      ],
    });
    expect(completion.choices[0]?.message.content).toContain("describe");
    expect(subject.sentImages(upstream.requests.at(-1)!.body)).toEqual([pixel]);
  },
};

/** What a call of each capability looks like when the provider cannot serve it. */
const unsupported: Partial<Record<Capability, (client: OpenAI) => Promise<unknown>>> = {
  tools: (client) =>
    client.chat.completions.create({
      model: "subject",
      messages: [{ role: "user", content: "x" }],
      tools: [weatherTool],
    }),
  embeddings: (client) => client.embeddings.create({ model: "subject", input: "x" }),
  images: (client) =>
    client.chat.completions.create({
      model: "subject",
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: pixel } }] }],
    }),
};

describe.each(providerCases)("provider conformance: $name", (subject) => {
  let upstream: RunningUpstream;
  let gateway: RunningGateway;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await subject.start();
    gateway = await startGateway(
      `model_list:\n  - model_name: subject\n    litellm_params:\n${upstream.params}\n`,
    );
    client = new OpenAI({ apiKey: "unused", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  for (const capability of Object.keys(checks) as Capability[]) {
    if (subject.capabilities.has(capability)) {
      it(`serves ${capability}`, () => checks[capability](client, upstream, subject));
      continue;
    }
    const call = unsupported[capability];
    if (!call) continue;
    it(`refuses ${capability} with a 4xx before calling the upstream`, async () => {
      const before = upstream.requests.length;
      const error = await call(client).catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBeGreaterThanOrEqual(400);
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBeLessThan(500);
      expect(upstream.requests.length).toBe(before);
    });
  }
});
