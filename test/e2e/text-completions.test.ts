import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FinishReason } from "../../gen/switchyard/v1/chat_pb.js";
import { CompletionService } from "../../gen/switchyard/v1/completion_pb.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";

const UPSTREAM_KEY = "sk-upstream-text";
/** A mock_response deployment: the mock provider has chat only, so text goes through chat. */
const CANNED = "Hello from the canned model.";

let upstream: FakeOpenAI;
let gateway: RunningGateway;
let client: OpenAI;
const auth = () => ({ authorization: `Bearer ${MASTER_KEY}` });

beforeAll(async () => {
  upstream = await startFakeOpenAI({ apiKey: UPSTREAM_KEY });
  const deployment = (name: string, model: string) =>
    [
      `  - model_name: ${name}`,
      "    litellm_params:",
      `      model: openai/${model}`,
      `      api_base: ${upstream.url}`,
      "      api_key: os.environ/UPSTREAM_KEY",
    ].join("\n");
  const yaml = [
    "general_settings:",
    "  master_key: os.environ/MASTER_KEY",
    "model_list:",
    deployment("instruct", "gpt-3.5-turbo-instruct"),
    deployment("bad-request", "error-400"),
    "  - model_name: canned",
    "    litellm_params:",
    "      model: openai/gpt-4o",
    `      mock_response: ${CANNED}`,
  ].join("\n");
  gateway = await startGateway(yaml, { UPSTREAM_KEY, MASTER_KEY });
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

describe("legacy text completions through the official openai client", () => {
  it("completes a prompt with the upstream's text, finish reason and usage", async () => {
    const completion = await client.completions.create({
      model: "instruct",
      prompt: "Say this is a test",
      max_tokens: 50,
      temperature: 0,
    });
    expect(completion.object).toBe("text_completion");
    expect(completion.choices).toEqual([
      { text: " echo: Say this is a test", index: 0, logprobs: null, finish_reason: "stop" },
    ]);
    expect(completion.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 });
  });

  it("sends the upstream /completions with its key, the deployment's model and the caller's parameters", async () => {
    await client.completions.create({
      model: "instruct",
      prompt: "check the wire",
      max_tokens: 8,
      stop: ["END"],
      seed: 42,
      echo: true,
      user: "user-3",
      best_of: 2,
    });
    const sent = upstream.requests.at(-1)!;
    expect(sent.path).toBe("/v1/completions");
    expect(sent.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(sent.body).toEqual({
      model: "gpt-3.5-turbo-instruct",
      prompt: "check the wire",
      max_tokens: 8,
      stop: ["END"],
      seed: 42,
      echo: true,
      user: "user-3",
      best_of: 2,
    });
  });

  it("answers several prompts with n choices each, indexed prompt by prompt", async () => {
    const completion = await client.completions.create({ model: "instruct", prompt: ["one", "two"], n: 2 });
    expect(completion.choices.map((choice) => [choice.index, choice.text])).toEqual([
      [0, " echo: one"],
      [1, " echo: one"],
      [2, " echo: two"],
      [3, " echo: two"],
    ]);
  });

  it("sends route headers on /v1/completions and also serves /completions without /v1", async () => {
    const { response } = await client.completions
      .create({ model: "instruct", prompt: "headers" })
      .withResponse();
    expect(response.headers.get("x-litellm-model-group")).toBe("instruct");
    expect(response.headers.get("x-litellm-call-id")).toBeTruthy();

    const bare = new OpenAI({ apiKey: MASTER_KEY, baseURL: gateway.url, maxRetries: 0 });
    const completion = await bare.completions.create({ model: "instruct", prompt: "no prefix" });
    expect(completion.choices[0]?.text).toBe(" echo: no prefix");
  });

  it("streams text_completion chunks that add up to the answer, without usage unless asked", async () => {
    const stream = await client.completions.create({
      model: "instruct",
      prompt: "stream these words please",
      stream: true,
    });
    let text = "";
    let finish: string | null = null;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      expect(chunk.object).toBe("text_completion");
      expect(chunk.usage ?? undefined).toBeUndefined();
      for (const choice of chunk.choices) {
        text += choice.text;
        if (choice.finish_reason) finish = choice.finish_reason;
      }
    }
    expect(chunks).toBeGreaterThan(2);
    expect(text).toBe(" echo: stream these words please");
    expect(finish).toBe("stop");
  });

  it("ends a stream with a choices: [] usage chunk when include_usage is asked for", async () => {
    const stream = await client.completions.create({
      model: "instruct",
      prompt: "count me",
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
  });

  it("rejects a token-id prompt with a 400 that says to send text", async () => {
    const error = await client.completions
      .create({ model: "instruct", prompt: [1, 2, 3] })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("prompt");
    expect((error as Error).message).toMatch(/token-id prompts are not supported/);
  });

  it("passes an upstream's 400 on with its status and param", async () => {
    const error = await client.completions
      .create({ model: "bad-request", prompt: "x" })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("temperature");
  });
});

describe("text completions on a chat-only deployment (sent through chat)", () => {
  it("answers with the chat reply as text, its finish reason and usage", async () => {
    const completion = await client.completions.create({ model: "canned", prompt: "Tell me something" });
    expect(completion.choices).toEqual([{ text: CANNED, index: 0, logprobs: null, finish_reason: "stop" }]);
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    expect(completion.usage?.total_tokens).toBe(
      (completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0),
    );
  });

  it("echoes the prompt and answers each prompt of a list, summing usage", async () => {
    const single = await client.completions.create({ model: "canned", prompt: "a" });
    const completion = await client.completions.create({ model: "canned", prompt: ["a", "b"], echo: true });
    expect(completion.choices.map((choice) => [choice.index, choice.text])).toEqual([
      [0, `a${CANNED}`],
      [1, `b${CANNED}`],
    ]);
    expect(completion.usage?.completion_tokens).toBe(2 * (single.usage?.completion_tokens ?? 0));
  });

  it("streams the chat reply as text chunks, with a usage chunk when asked for", async () => {
    const stream = await client.completions.create({
      model: "canned",
      prompt: "stream it",
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finish: string | null = null;
    const chunks = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
      for (const choice of chunk.choices) {
        text += choice.text;
        if (choice.finish_reason) finish = choice.finish_reason;
      }
    }
    expect(text).toBe(CANNED);
    expect(finish).toBe("stop");
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage?.total_tokens).toBeGreaterThan(0);
  });

  it("rejects suffix, which chat cannot honour, with a 400 naming it", async () => {
    const error = await client.completions
      .create({ model: "canned", prompt: "def add(a, b):", suffix: "return c" })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("suffix");
  });
});

describe("text completions over gRPC (CompletionService)", () => {
  const grpcClient = () => createClient(CompletionService, createGrpcTransport({ baseUrl: gateway.url }));

  it("creates a text completion with its route", async () => {
    let headers: Headers | undefined;
    const completion = await grpcClient().createTextCompletion(
      { model: "instruct", prompt: ["over grpc"], maxTokens: 20 },
      { headers: auth(), onHeader: (received) => (headers = received) },
    );
    expect(completion.choices[0]).toMatchObject({
      index: 0,
      text: " echo: over grpc",
      finishReason: FinishReason.STOP,
    });
    expect(completion.route).toMatchObject({ modelGroup: "instruct", provider: "openai" });
    expect(headers?.get("x-litellm-call-id")).toBe(completion.route?.callId);
  });

  it("streams a text completion: route on the first message, the text adds up", async () => {
    let text = "";
    const messages = [];
    for await (const message of grpcClient().streamTextCompletion(
      { model: "canned", prompt: ["via chat over grpc"] },
      { headers: auth() },
    )) {
      messages.push(message);
      for (const choice of message.choices) text += choice.text;
    }
    expect(messages[0]?.route?.modelGroup).toBe("canned");
    expect(text).toBe(CANNED);
    // No include_usage: the usage-only message is not sent.
    expect(messages.every((message) => message.usage === undefined)).toBe(true);
  });

  it("answers an empty prompt list with INVALID_ARGUMENT", async () => {
    const error = await grpcClient()
      .createTextCompletion({ model: "instruct", prompt: [] }, { headers: auth() })
      .catch((reason: unknown) => ConnectError.from(reason));
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
  });
});
