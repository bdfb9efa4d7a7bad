import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeHuggingFace, startFakeHuggingFace } from "../fakes/huggingface-upstream.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";

const HF_TOKEN = "hf_test_token_from_config";
const ENV_TOKEN = "hf_test_token_from_environment";

let fake: FakeHuggingFace;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeHuggingFace();
  const origin = fake.origin;
  const deployment = (name: string, model: string, lines: string[] = []) =>
    [
      `  - model_name: ${name}`,
      "    litellm_params:",
      `      model: ${model}`,
      ...lines.map((line) => `      ${line}`),
    ].join("\n");
  const yaml = [
    "model_list:",
    // The HF router (its /v1 served by the fake), auto-picked and pinned inference provider.
    deployment("router", "huggingface/meta-llama/Llama-3.1-8B-Instruct", [
      `api_base: ${origin}/v1`,
      "api_key: os.environ/HF_TEST_KEY",
    ]),
    deployment("router-together", "huggingface/together/deepseek-ai/DeepSeek-R1", [
      `api_base: ${origin}/v1`,
      "api_key: os.environ/HF_TEST_KEY",
    ]),
    deployment("router-env-key", "huggingface/meta-llama/Llama-3.1-8B-Instruct", [`api_base: ${origin}/v1`]),
    // A dedicated Inference Endpoint (TGI Messages API).
    deployment("endpoint", "huggingface/tgi-org/tgi-model", [`api_base: ${origin}/endpoints/my-endpoint/v1`]),
    // Text-generation: a TGI host, the same with ChatML, the classic Inference API form.
    deployment("tgi", "huggingface/bigcode/starcoder", [
      `api_base: ${origin}/tgi`,
      "api_key: os.environ/HF_TEST_KEY",
    ]),
    deployment("tgi-chatml", "huggingface/bigcode/starcoder", [
      `api_base: ${origin}/tgi`,
      "chat_template: chatml",
    ]),
    deployment("tgi-by-task", "huggingface/bigcode/starcoder", [
      `api_base: ${origin}/tgi/v1`,
      "task: text-generation",
    ]),
    deployment("classic", "huggingface/bigcode/starcoder", [`api_base: ${origin}/models/bigcode/starcoder`]),
    // Failures: a loading model on the router and on a TGI host.
    deployment("router-loading", "huggingface/org/loading-model", [`api_base: ${origin}/v1`]),
    deployment("tgi-loading", "huggingface/bigcode/starcoder", [`api_base: ${origin}/loading`]),
  ].join("\n");
  // HF_TOKEN (the Hub's own variable) is what deployments without api_key fall back to.
  gateway = await startGateway(yaml, { HF_TEST_KEY: HF_TOKEN, HF_TOKEN: ENV_TOKEN, HUGGINGFACE_API_KEY: "" });
  client = new OpenAI({ apiKey: "unused", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.close();
  await fake?.close();
});

const conversation = [
  { role: "system" as const, content: "Be brief." },
  { role: "user" as const, content: "hello there" },
];

describe("Hugging Face router and dedicated endpoints (chat completions)", () => {
  it("sends the router the org/name model id with the HF token as Bearer", async () => {
    const completion = await client.chat.completions.create({ model: "router", messages: conversation });
    expect(completion.choices[0]?.message.content).toBe("echo: hello there");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    const sent = fake.requests.at(-1)!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.headers.authorization).toBe(`Bearer ${HF_TOKEN}`);
    expect(sent.body).toMatchObject({ model: "meta-llama/Llama-3.1-8B-Instruct", messages: conversation });
  });

  it("spells a 3-part slug's inference provider as the router's model:provider", async () => {
    await client.chat.completions.create({ model: "router-together", messages: conversation });
    expect(fake.requests.at(-1)!.body).toMatchObject({ model: "deepseek-ai/DeepSeek-R1:together" });
  });

  it("uses HF_TOKEN from the environment when the deployment has no api_key", async () => {
    await client.chat.completions.create({ model: "router-env-key", messages: conversation });
    expect(fake.requests.at(-1)!.headers.authorization).toBe(`Bearer ${ENV_TOKEN}`);
  });

  it("streams from the router chunk by chunk", async () => {
    const stream = await client.chat.completions.create({
      model: "router",
      messages: [{ role: "user", content: "stream these words please" }],
      stream: true,
    });
    const pieces: string[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        if (choice.delta.content) pieces.push(choice.delta.content);
        if (choice.finish_reason) finish = choice.finish_reason;
      }
    }
    expect(pieces.length).toBeGreaterThan(2);
    expect(pieces.join("")).toBe("echo: stream these words please");
    expect(finish).toBe("stop");
    expect(fake.requests.at(-1)!.body).toMatchObject({ stream: true });
  });

  it("reaches a dedicated endpoint at its own /v1", async () => {
    const completion = await client.chat.completions.create({ model: "endpoint", messages: conversation });
    expect(completion.choices[0]?.message.content).toBe("echo: hello there");
    const sent = fake.requests.at(-1)!;
    expect(sent.path).toBe("/endpoints/my-endpoint/v1/chat/completions");
    expect(sent.body).toMatchObject({ model: "tgi-org/tgi-model" });
  });
});

describe("Hugging Face text-generation deployments answering chat", () => {
  const transcript = "System: Be brief.\nUser: hello there\nAssistant:";
  const answer = "echo: System: Be brief. User: hello there Assistant:";

  it("renders the messages into a transcript prompt and maps the parameters for TGI's /generate", async () => {
    const completion = await client.chat.completions.create({
      model: "tgi",
      messages: conversation,
      max_tokens: 20,
      temperature: 0.5,
      top_p: 0.9,
      stop: ["END"],
      seed: 7,
    });
    expect(completion.choices[0]?.message).toMatchObject({ role: "assistant", content: answer });
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.model).toBe("bigcode/starcoder");
    expect(completion.usage?.completion_tokens).toBe(9); // eight words and </s>
    const sent = fake.requests.at(-1)!;
    expect(sent.path).toBe("/tgi/generate");
    expect(sent.headers.authorization).toBe(`Bearer ${HF_TOKEN}`);
    expect(sent.body).toEqual({
      inputs: transcript,
      parameters: {
        max_new_tokens: 20,
        temperature: 0.5,
        top_p: 0.9,
        stop: ["END", "\nUser:"],
        seed: 7,
        return_full_text: false,
        details: true,
      },
    });
  });

  it("reports a token limit as finish_reason length", async () => {
    const completion = await client.chat.completions.create({
      model: "tgi",
      messages: conversation,
      max_tokens: 3,
    });
    expect(completion.choices[0]?.message.content).toBe("echo: System: Be");
    expect(completion.choices[0]?.finish_reason).toBe("length");
  });

  it("streams token events as content deltas, with the finish reason and usage at the end", async () => {
    const stream = await client.chat.completions.create({
      model: "tgi",
      messages: conversation,
      stream: true,
      stream_options: { include_usage: true },
    });
    const pieces: string[] = [];
    const finishes: string[] = [];
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        if (choice.delta.content) pieces.push(choice.delta.content);
        if (choice.finish_reason) finishes.push(choice.finish_reason);
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(pieces.length).toBeGreaterThan(2);
    expect(pieces.join("")).toBe(answer); // the special </s> token is not text
    expect(finishes).toEqual(["stop"]);
    expect(usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 9, total_tokens: 16 });
    const sent = fake.requests.at(-1)!;
    expect(sent.path).toBe("/tgi/generate_stream");
    expect(sent.body).toMatchObject({ inputs: transcript, parameters: { return_full_text: false } });
  });

  it("leaves a matched stop sequence out of the answer, streamed or not, even when it spans tokens", async () => {
    const request = { model: "tgi", messages: conversation, stop: ["brief. User"] };
    const whole = await client.chat.completions.create(request);
    expect(whole.choices[0]?.message.content).toBe("echo: System: Be ");
    expect(whole.choices[0]?.finish_reason).toBe("stop");

    const stream = await client.chat.completions.create({ ...request, stream: true });
    let streamed = "";
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? "";
    expect(streamed).toBe("echo: System: Be ");
  });

  it("renders ChatML when the deployment sets chat_template: chatml", async () => {
    await client.chat.completions.create({ model: "tgi-chatml", messages: conversation });
    expect(fake.requests.at(-1)!.body).toMatchObject({
      inputs:
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhello there<|im_end|>\n<|im_start|>assistant\n",
      parameters: { stop: ["<|im_end|>"] },
    });
  });

  it("lets task: text-generation turn an api_base ending in /v1 into a TGI host", async () => {
    await client.chat.completions.create({ model: "tgi-by-task", messages: conversation });
    expect(fake.requests.at(-1)!.path).toBe("/tgi/generate");
  });

  it("answers chat through the classic Inference API form of api_base", async () => {
    const completion = await client.chat.completions.create({ model: "classic", messages: conversation });
    // return_full_text: false is sent, so the classic API's answer holds the continuation only.
    expect(completion.choices[0]?.message.content).toBe(answer);
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    const sent = fake.requests.at(-1)!;
    expect(sent.path).toBe("/models/bigcode/starcoder");
    expect(sent.body).toMatchObject({ inputs: transcript, parameters: { return_full_text: false } });
  });

  it("streams from the classic Inference API with stream: true in the body", async () => {
    const stream = await client.chat.completions.create({
      model: "classic",
      messages: conversation,
      stream: true,
    });
    let streamed = "";
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? "";
    expect(streamed).toBe(answer);
    expect(fake.requests.at(-1)!).toMatchObject({
      path: "/models/bigcode/starcoder",
      body: { stream: true },
    });
  });

  it("refuses tools, which a text-generation model cannot call, before calling it", async () => {
    const before = fake.requests.length;
    const failure = await client.chat.completions
      .create({
        model: "tgi",
        messages: conversation,
        tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }],
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect((failure as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("tools");
    expect(fake.requests.length).toBe(before);
  });
});

describe("Hugging Face errors", () => {
  async function postChat(model: string) {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
    });
    return {
      status: response.status,
      retryAfter: response.headers.get("retry-after"),
      body: (await response.json()) as { error: { message: string } },
    };
  }

  it('answers a router\'s {"error":"Model is loading"} 503 with 502 and the message', async () => {
    const result = await postChat("router-loading");
    expect(result.status).toBe(502);
    expect(result.body.error.message).toBe("Model is loading");
  });

  it("answers a text-generation host's loading model with 502, the message and its estimated time as retry-after", async () => {
    const result = await postChat("tgi-loading");
    expect(result.status).toBe(502);
    expect(result.body.error.message).toBe("Model is loading");
    expect(result.retryAfter).toBe("20");
  });

  it("raises the same error in the OpenAI SDK", async () => {
    const failure = await client.chat.completions
      .create({ model: "tgi-loading", messages: conversation })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((failure as InstanceType<typeof OpenAI.APIError>).message).toContain("Model is loading");
  });
});
