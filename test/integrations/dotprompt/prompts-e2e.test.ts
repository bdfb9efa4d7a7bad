import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import OpenAI from "openai";
import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role } from "../../../gen/switchyard/v1/chat_pb.js";
import { CompletionService } from "../../../gen/switchyard/v1/completion_pb.js";
import { PromptService } from "../../../gen/switchyard/v1/prompt_pb.js";
import { type FakeOpenAI, startFakeOpenAI } from "../../fakes/openai-upstream.js";
import { MASTER_KEY } from "../../helpers/master-key.js";
import { type RunningGateway, startGateway } from "../../helpers/start-gateway.js";
import { promptDirectory } from "./prompt-files.js";

const UPSTREAM_KEY = "sk-upstream-prompts";

const SUPPORT = `---
model: openai/gpt-test
config:
  temperature: 0.3
  maxOutputTokens: 64
input:
  schema:
    product: string, what the user asks about
    tone?: string
  default:
    tone: friendly
---
{{role "system"}}
You support {{product}} users in a {{tone}} tone.

{{role "user"}}
I have a question about {{product}}.
`;

const SUPPORT_V2 = `---
model: other
---
{{role "system"}}
Version two for {{product}}.
`;

let upstream: FakeOpenAI;
let running: RunningGateway;
let client: OpenAI;
let directory: string;

beforeAll(async () => {
  upstream = await startFakeOpenAI({ apiKey: UPSTREAM_KEY });
  directory = await promptDirectory({ "support.prompt": SUPPORT, "support.v2.prompt": SUPPORT_V2 });
  const model = (name: string, slug: string) =>
    `  - model_name: ${name}\n    litellm_params: {model: ${slug}, api_base: "${upstream.url}", api_key: os.environ/UPSTREAM_KEY}\n`;
  running = await startGateway(
    "general_settings:\n  master_key: os.environ/TEST_MASTER_KEY\n" +
      `model_list:\n${model("gpt-test", "openai/gpt-4o-mini")}${model("other", "openai/gpt-4o")}` +
      `litellm_settings:\n  global_prompt_directory: ${JSON.stringify(directory)}\n`,
    { UPSTREAM_KEY, TEST_MASTER_KEY: MASTER_KEY },
  );
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${running.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await running?.close();
  await upstream?.close();
});

/** The prompt fields ride along as extra body keys, as LiteLLM's clients send them. */
type PromptFields = {
  prompt_id: string;
  prompt_variables?: Record<string, unknown>;
  prompt_version?: number;
};
type PromptedChat = Omit<ChatCompletionCreateParamsNonStreaming, "model"> & { model?: string } & PromptFields;
const prompted = (params: PromptedChat) => params as ChatCompletionCreateParamsNonStreaming;

/** What the fake upstream received for the last chat completion. */
const lastUpstreamBody = () => upstream.requests.at(-1)!.body as Record<string, unknown>;

async function postChat(body: Record<string, unknown>) {
  const response = await fetch(`${running.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${MASTER_KEY}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { error: Record<string, unknown> } };
}

describe("a chat request naming a prompt, through the openai SDK", () => {
  it("sends the prompt's messages before the request's own, with the prompt's model and config", async () => {
    const { data: completion, response } = await client.chat.completions
      .create(
        prompted({
          prompt_id: "support",
          prompt_variables: { product: "Switchyard" },
          messages: [{ role: "user", content: "Why is it slow?" }],
        }),
      )
      .withResponse();
    expect(completion.choices[0]?.message.content).toBe("echo: Why is it slow?");
    expect(response.headers.get("x-litellm-model-group")).toBe("gpt-test");
    expect(lastUpstreamBody()).toMatchObject({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "You support Switchyard users in a friendly tone." },
        { role: "user", content: "I have a question about Switchyard." },
        { role: "user", content: "Why is it slow?" },
      ],
      temperature: 0.3,
      max_tokens: 64,
    });
    expect(lastUpstreamBody()).not.toHaveProperty("prompt_id");
  });

  it("keeps the request's own model and parameters over the prompt's", async () => {
    await client.chat.completions.create(
      prompted({
        model: "other",
        prompt_id: "support",
        prompt_variables: { product: "Switchyard", tone: "formal" },
        messages: [],
        temperature: 0.9,
      }),
    );
    const sent = lastUpstreamBody();
    expect(sent).toMatchObject({ model: "gpt-4o", temperature: 0.9, max_tokens: 64 });
    expect((sent.messages as unknown[])[0]).toEqual({
      role: "system",
      content: "You support Switchyard users in a formal tone.",
    });
  });

  it("selects a numbered version with prompt_version", async () => {
    await client.chat.completions.create(
      prompted({
        prompt_id: "support",
        prompt_version: 2,
        prompt_variables: { product: "Switchyard" },
        messages: [{ role: "user", content: "hi" }],
      }),
    );
    expect(lastUpstreamBody()).toMatchObject({
      model: "gpt-4o",
      messages: [
        { role: "system", content: "Version two for Switchyard." },
        { role: "user", content: "hi" },
      ],
    });
  });

  it("streams with a prompt", async () => {
    const stream = await client.chat.completions.create({
      ...prompted({
        prompt_id: "support",
        prompt_variables: { product: "Switchyard" },
        messages: [{ role: "user", content: "stream this" }],
      }),
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("echo: stream this");
    expect(lastUpstreamBody()).toMatchObject({ model: "gpt-4o-mini", stream: true, temperature: 0.3 });
  });

  it("raises BadRequestError for a missing variable", async () => {
    const call = client.chat.completions.create(prompted({ prompt_id: "support", messages: [] }));
    await expect(call).rejects.toBeInstanceOf(OpenAI.BadRequestError);
  });
});

describe("prompt errors in OpenAI's error JSON", () => {
  it.each([
    [
      "a missing required variable",
      { prompt_id: "support", prompt_variables: {} },
      400,
      { type: "invalid_request_error", param: "prompt_variables" },
      'prompt variable "product" is required (prompt "support")',
    ],
    [
      "a variable of the wrong type",
      { prompt_id: "support", prompt_variables: { product: 42 } },
      400,
      { type: "invalid_request_error", param: "prompt_variables" },
      'prompt variable "product" must be a string, got an integer (prompt "support")',
    ],
    [
      "a missing variable on a stream (before any event)",
      { prompt_id: "support", stream: true },
      400,
      { type: "invalid_request_error", param: "prompt_variables" },
      'prompt variable "product" is required (prompt "support")',
    ],
    [
      "an unknown prompt",
      { prompt_id: "nope" },
      404,
      { type: "not_found_error", param: "prompt_id", code: "prompt_not_found" },
      'prompt "nope" does not exist',
    ],
    [
      "an unknown version",
      { prompt_id: "support", prompt_version: 9, prompt_variables: { product: "x" } },
      404,
      { type: "not_found_error", param: "prompt_version", code: "prompt_not_found" },
      'prompt "support" has no version 9',
    ],
    [
      "prompt_variables that are not an object",
      { prompt_id: "support", prompt_variables: "product=x" },
      400,
      { type: "invalid_request_error", param: "prompt_variables" },
      "'prompt_variables' must be an object",
    ],
  ])("answers %s", async (_case, body, status, fields, message) => {
    const result = await postChat(body);
    expect(result.status).toBe(status);
    expect(result.body.error).toMatchObject({ ...fields, message });
  });

  it("still requires a model without a prompt", async () => {
    const result = await postChat({ messages: [{ role: "user", content: "hi" }] });
    expect(result.status).toBe(400);
    expect(result.body.error).toMatchObject({ param: "model" });
  });
});

describe("prompts over Connect and gRPC", () => {
  const auth = { authorization: `Bearer ${MASTER_KEY}` };
  const connect = () => createConnectTransport({ baseUrl: running.url, httpVersion: "1.1" });

  it("renders a prompt into CreateChatCompletion from the proto fields", async () => {
    const completion = createClient(CompletionService, createGrpcTransport({ baseUrl: running.url }));
    const answer = await completion.createChatCompletion(
      { promptId: "support", promptVariables: { product: "gRPC" } },
      { headers: auth },
    );
    expect(answer.choices[0]?.message?.content[0]?.part).toEqual({
      case: "text",
      value: "echo: I have a question about gRPC.",
    });
    expect(answer.route?.modelGroup).toBe("gpt-test");
    expect(lastUpstreamBody()).toMatchObject({ model: "gpt-4o-mini", temperature: 0.3 });
  });

  it("lists every prompt and version with its model, config, schema, defaults and source", async () => {
    const prompts = createClient(PromptService, connect());
    const { prompts: listed } = await prompts.listPrompts({}, { headers: auth });
    expect(listed.map((prompt) => [prompt.id, prompt.version, prompt.model])).toEqual([
      ["support", undefined, "openai/gpt-test"],
      ["support", 2, "other"],
    ]);
    expect(listed[0]).toMatchObject({
      config: { temperature: 0.3, maxOutputTokens: 64 },
      inputSchema: {
        type: "object",
        properties: {
          product: { type: "string", description: "what the user asks about" },
          tone: { type: ["string", "null"] },
        },
        required: ["product"],
        additionalProperties: false,
      },
      inputDefaults: { tone: "friendly" },
      source: `${directory}/support.prompt`,
    });
  });

  it("renders a prompt without calling a model", async () => {
    const calls = upstream.requests.length;
    const prompts = createClient(PromptService, connect());
    const rendered = await prompts.renderPrompt(
      { promptId: "support", variables: { product: "Connect", tone: "calm" } },
      { headers: auth },
    );
    expect(rendered.model).toBe("openai/gpt-test");
    expect(rendered.config).toEqual({ temperature: 0.3, maxOutputTokens: 64 });
    expect(rendered.messages.map((message) => [Role[message.role], message.content[0]?.part.value])).toEqual([
      ["SYSTEM", "You support Connect users in a calm tone."],
      ["USER", "I have a question about Connect."],
    ]);
    expect(upstream.requests.length).toBe(calls);
  });

  it("answers a bad variable with INVALID_ARGUMENT and an unknown prompt with NOT_FOUND", async () => {
    const prompts = createClient(PromptService, connect());
    const failure = async (call: Promise<unknown>) => {
      try {
        await call;
      } catch (error) {
        return ConnectError.from(error);
      }
      throw new Error("expected the call to fail");
    };
    const bad = await failure(
      prompts.renderPrompt({ promptId: "support", variables: {} }, { headers: auth }),
    );
    expect(bad.code).toBe(Code.InvalidArgument);
    expect(bad.rawMessage).toBe('prompt variable "product" is required (prompt "support")');
    const missing = await failure(prompts.renderPrompt({ promptId: "nope" }, { headers: auth }));
    expect(missing.code).toBe(Code.NotFound);
  });

  it("needs the gateway key", async () => {
    const prompts = createClient(PromptService, connect());
    await expect(prompts.listPrompts({})).rejects.toMatchObject({ code: Code.Unauthenticated });
  });
});
