import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeHuggingFace, startFakeHuggingFace } from "../fakes/huggingface-upstream.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";

const HF_TOKEN = "hf_test_token_completions";

let fake: FakeHuggingFace;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeHuggingFace();
  const origin = fake.origin;
  const yaml = `
model_list:
  - model_name: starcoder
    litellm_params:
      model: huggingface/bigcode/starcoder
      api_base: ${origin}/models/bigcode/starcoder
      api_key: os.environ/HF_TOKEN
  - model_name: starcoder-tgi
    litellm_params:
      model: huggingface/bigcode/starcoder
      api_base: ${origin}/tgi
      task: text-generation
  - model_name: router
    litellm_params:
      model: huggingface/meta-llama/Llama-3.1-8B-Instruct
      api_base: ${origin}/v1
`;
  gateway = await startGateway(yaml, { HF_TOKEN });
  client = new OpenAI({ apiKey: "unused", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.close();
  await fake?.close();
});

describe("legacy text completions (POST /v1/completions) on huggingface/bigcode/starcoder", () => {
  it("completes a prompt through the classic Inference API, sending the prompt as it is", async () => {
    const completion = await client.completions.create({
      model: "starcoder",
      prompt: "def fibonacci(n):",
      max_tokens: 16,
      temperature: 0.2,
    });
    expect(completion.choices[0]?.text).toBe("echo: def fibonacci(n):");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    const sent = fake.requests.at(-1)!;
    expect(sent.path).toBe("/models/bigcode/starcoder");
    expect(sent.headers.authorization).toBe(`Bearer ${HF_TOKEN}`);
    expect(sent.body).toEqual({
      inputs: "def fibonacci(n):",
      parameters: { max_new_tokens: 16, temperature: 0.2, return_full_text: false, details: true },
    });
  });

  it("streams a completion from TGI's /generate_stream, ending with the finish reason", async () => {
    const stream = await client.completions.create({
      model: "starcoder-tgi",
      prompt: "def fibonacci(n):",
      max_tokens: 2,
      stream: true,
    });
    const pieces: string[] = [];
    const finishes: string[] = [];
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        if (choice.text) pieces.push(choice.text);
        if (choice.finish_reason) finishes.push(choice.finish_reason);
      }
    }
    expect(pieces).toEqual(["echo:", " def"]);
    expect(finishes).toEqual(["length"]);
    expect(fake.requests.at(-1)!).toMatchObject({
      path: "/tgi/generate_stream",
      body: { inputs: "def fibonacci(n):", parameters: { max_new_tokens: 2 } },
    });
  });

  it("completes through TGI's /generate with usage from its details", async () => {
    const completion = await client.completions.create({
      model: "starcoder-tgi",
      prompt: "x = 1",
      stop: ["1"],
    });
    expect(completion.choices[0]?.text).toBe("echo: x = ");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage?.completion_tokens).toBe(4);
    expect(fake.requests.at(-1)!.path).toBe("/tgi/generate");
  });

  it("streams through the classic Inference API too", async () => {
    const stream = await client.completions.create({ model: "starcoder", prompt: "print(", stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? "";
    expect(text).toBe("echo: print(");
    expect(fake.requests.at(-1)!.body).toMatchObject({ stream: true });
  });

  it("answers several prompts in prompt order, each as its own choice, with echo putting the prompt first", async () => {
    const completion = await client.completions.create({
      model: "starcoder-tgi",
      prompt: ["a = ", "b = "],
      echo: true,
    });
    expect(completion.choices.map((choice) => [choice.index, choice.text])).toEqual([
      [0, "a = echo: a ="],
      [1, "b = echo: b ="],
    ]);
  });

  it("answers a text completion on a chat (router) deployment by sending the prompt as one user message", async () => {
    const completion = await client.completions.create({ model: "router", prompt: "hi there" });
    expect(completion.choices[0]?.text).toBe("echo: hi there");
    const sent = fake.requests.at(-1)!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.body).toMatchObject({
      model: "meta-llama/Llama-3.1-8B-Instruct",
      messages: [{ role: "user", content: "hi there" }],
    });
  });
});
