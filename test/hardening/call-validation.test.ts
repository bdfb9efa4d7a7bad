import Anthropic from "@anthropic-ai/sdk";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role } from "../../gen/switchyard/v1/chat_pb.js";
import { CompletionService } from "../../gen/switchyard/v1/completion_pb.js";
import { DEFAULT_REQUEST_LIMITS } from "../../src/requests/request-limits.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";

/**
 * Every door checks the same things before anything goes upstream (one
 * validator in the Completion service): sampling ranges, the model name's
 * length, and how many prompts, messages, tools and embedding inputs one
 * request may carry. Each door answers in its own error shape.
 */

let upstream: FakeOpenAI;
let gateway: RunningGateway;
let openai: OpenAI;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  gateway = await startGateway(`model_list:
  - model_name: chat
    litellm_params: { model: openai/gpt-4o, api_base: ${upstream.url}, api_key: sk-test }
  - model_name: embed
    litellm_params: { model: openai/text-embedding-3-small, api_base: ${upstream.url}, api_key: sk-test }
`);
  openai = new OpenAI({ apiKey: "unused", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const messages = [{ role: "user" as const, content: "hello" }];

async function failure(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
}

/** Expects an OpenAI 400 invalid_request_error naming `param`, and no upstream request. */
async function expectOpenAI400(call: Promise<unknown>, param: string): Promise<void> {
  const before = upstream.requests.length;
  const error = await failure(call);
  expect(error).toBeInstanceOf(OpenAI.BadRequestError);
  const badRequest = error as InstanceType<typeof OpenAI.BadRequestError>;
  expect(badRequest.type).toBe("invalid_request_error");
  expect(badRequest.param).toBe(param);
  expect(upstream.requests.length).toBe(before);
}

describe("sampling ranges (OpenAI door)", () => {
  it.each([
    ["max_tokens", { max_tokens: -5 }],
    ["max_tokens", { max_tokens: 0 }],
    ["temperature", { temperature: -0.1 }],
    ["temperature", { temperature: 2.5 }],
    ["top_p", { top_p: 1.5 }],
    ["n", { n: 0 }],
    ["presence_penalty", { presence_penalty: 2.1 }],
    ["frequency_penalty", { frequency_penalty: -3 }],
  ])("refuses %s out of range: %j", async (param, fields) => {
    await expectOpenAI400(openai.chat.completions.create({ model: "chat", messages, ...fields }), param);
  });

  it("refuses a temperature too large for a double (JSON 1e999 reads as Infinity)", async () => {
    const before = upstream.requests.length;
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"model":"chat","messages":[{"role":"user","content":"hello"}],"temperature":1e999}',
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { type: string; param: string } };
    expect(body.error).toMatchObject({ type: "invalid_request_error", param: "temperature" });
    expect(upstream.requests.length).toBe(before);
  });

  it("refuses the same on text completions", async () => {
    await expectOpenAI400(
      openai.completions.create({ model: "chat", prompt: "hi", temperature: 9 }),
      "temperature",
    );
  });

  it("still takes the edges of each range", async () => {
    const answer = await openai.chat.completions.create({
      model: "chat",
      messages,
      max_tokens: 1,
      temperature: 2,
      top_p: 0,
      presence_penalty: -2,
      frequency_penalty: 2,
    });
    expect(answer.choices.length).toBe(1);
  });
});

describe("sizes", () => {
  it("refuses a model name over 256 characters, repeating only its start", async () => {
    const model = `m${"x".repeat(1_000_000)}`;
    const error = await failure(openai.chat.completions.create({ model, messages }));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("model");
    expect(String((error as Error).message).length).toBeLessThan(300);
  });

  it("repeats at most a prefix of an unknown model's name", async () => {
    const error = await failure(openai.chat.completions.create({ model: `n${"y".repeat(250)}`, messages }));
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(String((error as Error).message)).not.toContain("y".repeat(100));
  });

  it("caps prompts per text completion", async () => {
    const prompt = Array.from({ length: DEFAULT_REQUEST_LIMITS.prompts + 1 }, (_, index) => `p${index}`);
    await expectOpenAI400(openai.completions.create({ model: "chat", prompt }), "prompt");
  });

  it("caps messages and tools per chat request", async () => {
    const many = Array.from({ length: DEFAULT_REQUEST_LIMITS.messages + 1 }, () => messages[0]!);
    await expectOpenAI400(openai.chat.completions.create({ model: "chat", messages: many }), "messages");
    const tools = Array.from({ length: DEFAULT_REQUEST_LIMITS.tools + 1 }, (_, index) => ({
      type: "function" as const,
      function: { name: `tool_${index}`, parameters: { type: "object" } },
    }));
    await expectOpenAI400(openai.chat.completions.create({ model: "chat", messages, tools }), "tools");
  });

  it("caps embedding inputs at 2048, as OpenAI does", async () => {
    const input = Array.from({ length: 2049 }, (_, index) => `text ${index}`);
    await expectOpenAI400(openai.embeddings.create({ model: "embed", input }), "input");
    const answer = await openai.embeddings.create({ model: "embed", input: input.slice(0, 2048) });
    expect(answer.data.length).toBe(2048);
  });
});

describe("the other doors, in their own shapes", () => {
  it("answers /v1/messages with an Anthropic invalid_request_error", async () => {
    const anthropic = new Anthropic({ apiKey: "unused", baseURL: gateway.url, maxRetries: 0 });
    const before = upstream.requests.length;
    const error = await failure(
      // This SDK version's types follow the API version without sampling parameters; the door still takes them.
      anthropic.messages.create({
        model: "chat",
        max_tokens: 16,
        messages,
        ...({ temperature: 7 } as object),
      }),
    );
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    const body = (error as InstanceType<typeof Anthropic.BadRequestError>).error as {
      error?: { type?: string; message?: string };
    };
    expect(body.error?.type).toBe("invalid_request_error");
    expect(body.error?.message).toMatch(/temperature/);
    expect(upstream.requests.length).toBe(before);
  });

  it.each([
    ["maxTokens", { maxTokens: -1 }, /max_tokens/],
    ["temperature NaN", { temperature: Number.NaN }, /temperature/],
    ["topP", { topP: -1 }, /top_p/],
  ])("answers Connect with INVALID_ARGUMENT for %s", async (_name, fields, message) => {
    const client = createClient(
      CompletionService,
      createConnectTransport({ baseUrl: gateway.url, httpVersion: "1.1" }),
    );
    const before = upstream.requests.length;
    const error = await failure(
      client.createChatCompletion({
        model: "chat",
        messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "hello" } }] }],
        ...fields,
      }),
    );
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    expect((error as ConnectError).rawMessage).toMatch(message);
    expect(upstream.requests.length).toBe(before);
  });
});
