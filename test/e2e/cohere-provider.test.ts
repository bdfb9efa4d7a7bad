import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CompletionService } from "../../gen/switchyard/v1/completion_pb.js";
import { type FakeCohere, startFakeCohere } from "../fakes/cohere-upstream.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";

const KEY = "co-e2e-key";

let upstream: FakeCohere;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeCohere({ apiKey: KEY });
  const entry = (name: string, model: string, keyLine = `      api_key: ${KEY}\n`) =>
    `  - model_name: ${name}\n    litellm_params:\n      model: ${model}\n      api_base: ${upstream.url}/v2\n${keyLine}`;
  const yaml = [
    "model_list:",
    entry("command", "cohere/command-a-03-2025"),
    // No api_key: LiteLLM's CO_API_KEY is read when COHERE_API_KEY is unset.
    entry("command-env-key", "cohere/command-r-plus", ""),
    entry("embed", "cohere/embed-v4.0"),
    entry("rerank", "cohere/rerank-v3.5"),
    entry("limited", "cohere/error-429"),
    entry("too-long", "cohere/error-context"),
    "  - model_name: not-a-reranker\n    litellm_params:\n      model: openai/gpt-4o\n      api_base: http://127.0.0.1:9\n      api_key: unused",
  ].join("\n");
  gateway = await startGateway(yaml, { CO_API_KEY: KEY });
  client = new OpenAI({ apiKey: "unused", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: { type: "object", properties: { query: { type: "string" } } },
  },
};

const lastBody = () => upstream.requests.at(-1)!.body as Record<string, unknown>;

describe("a Cohere deployment (v2 chat)", () => {
  it("sends Cohere's parameter names, with the bearer key, to /v2/chat", async () => {
    const completion = await client.chat.completions.create({
      model: "command",
      messages: [
        { role: "developer", content: "Be brief." },
        { role: "user", content: "hello cohere" },
      ],
      max_tokens: 40,
      top_p: 0.5,
      stop: ["END"],
      seed: 7,
    });
    expect(completion.choices[0]?.message.content).toBe("echo: hello cohere");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(upstream.requests.at(-1)!.path).toBe("/v2/chat");
    expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(lastBody()).toEqual({
      model: "command-a-03-2025",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "hello cohere" },
      ],
      stream: false,
      max_tokens: 40,
      p: 0.5,
      stop_sequences: ["END"],
      seed: 7,
    });
  });

  it("reads the key from CO_API_KEY when the deployment has none", async () => {
    const completion = await client.chat.completions.create({
      model: "command-env-key",
      messages: [{ role: "user", content: "env key" }],
    });
    expect(completion.choices[0]?.message.content).toBe("echo: env key");
  });

  it("round-trips a tool call: REQUIRED tool choice, the tool plan as reasoning, tool_calls without null content", async () => {
    const first = await client.chat.completions.create({
      model: "command",
      messages: [{ role: "user", content: "weather in Kyiv" }],
      tools: [weatherTool],
      tool_choice: "required",
    });
    expect(lastBody().tool_choice).toBe("REQUIRED");
    const message = first.choices[0]?.message as OpenAI.ChatCompletionMessage & {
      reasoning_content?: string;
    };
    expect(message.reasoning_content).toBe("I will look this up.");
    const call = message.tool_calls?.[0];
    if (call?.type !== "function") throw new Error("expected a function call");
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    const second = await client.chat.completions.create({
      model: "command",
      messages: [
        { role: "user", content: "weather in Kyiv" },
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: call.id, content: "5C" },
      ],
      tools: [weatherTool],
    });
    expect(second.choices[0]?.message.content).toBe("tool said: 5C");
    expect((lastBody().messages as unknown[])[1]).toEqual({
      role: "assistant",
      tool_calls: [
        {
          id: call.id,
          type: "function",
          function: { name: "get_weather", arguments: call.function.arguments },
        },
      ],
    });
  });

  it("maps a 429 to a rate limit error and 'too many tokens' to context_length_exceeded", async () => {
    const fail = (model: string) =>
      client.chat.completions.create({ model, messages: [{ role: "user", content: "x" }] }).then(
        () => undefined,
        (reason: unknown) => reason,
      );
    expect(await fail("limited")).toBeInstanceOf(OpenAI.RateLimitError);
    const tooLong = await fail("too-long");
    expect(tooLong).toBeInstanceOf(OpenAI.BadRequestError);
    expect((tooLong as InstanceType<typeof OpenAI.BadRequestError>).code).toBe("context_length_exceeded");
  });
});

describe("Cohere embed", () => {
  it("sends texts with input_type and float embedding types, output_dimension from dimensions", async () => {
    const response = await client.embeddings.create({ model: "embed", input: ["a b", "c"], dimensions: 4 });
    expect(response.data.map((item) => item.embedding.length)).toEqual([4, 4]);
    expect(response.usage.prompt_tokens).toBe(3);
    expect(upstream.requests.at(-1)!.path).toBe("/v2/embed");
    expect(lastBody()).toEqual({
      model: "embed-v4.0",
      texts: ["a b", "c"],
      input_type: "search_document",
      embedding_types: ["float"],
      output_dimension: 4,
    });
  });

  it("lets the caller choose input_type", async () => {
    await client.embeddings.create({
      model: "embed",
      input: "query text",
      input_type: "search_query",
    } as never);
    expect(lastBody().input_type).toBe("search_query");
  });
});

describe("rerank", () => {
  const documents = ["Paris is the capital of France", "Bananas are yellow", "France borders Spain"];
  const post = (path: string, body: unknown) =>
    fetch(`${gateway.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("answers LiteLLM's /v1/rerank in LiteLLM's shape, documents returned from the request", async () => {
    const response = await post("/v1/rerank", {
      model: "rerank",
      query: "capital of France",
      documents,
      top_n: 2,
      return_documents: true,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-litellm-model-group")).toBe("rerank");
    const body = (await response.json()) as { id: string; results: unknown[]; meta: unknown };
    expect(body.id).not.toBe("");
    expect(body.results).toEqual([
      { index: 0, relevance_score: 1, document: { text: documents[0] } },
      { index: 2, relevance_score: 1 / 3, document: { text: documents[2] } },
    ]);
    expect(body.meta).toEqual({ billed_units: { search_units: 1 } });
    expect(upstream.requests.at(-1)!.path).toBe("/v2/rerank");
    expect(lastBody()).toEqual({ model: "rerank-v3.5", query: "capital of France", documents, top_n: 2 });
  });

  it("serves /rerank too, with object documents, and leaves documents out unless asked", async () => {
    const response = await post("/rerank", {
      model: "rerank",
      query: "yellow",
      documents: documents.map((text) => ({ text })),
    });
    const body = (await response.json()) as { results: { index: number; document?: unknown }[] };
    expect(body.results[0]).toEqual({ index: 1, relevance_score: 1 });
    expect(body.results.every((result) => result.document === undefined)).toBe(true);
  });

  it("is a gRPC method of the Completion service", async () => {
    const grpc = createClient(CompletionService, createGrpcTransport({ baseUrl: gateway.url }));
    const response = await grpc.rerank({ model: "rerank", query: "Spain", documents, topN: 1 });
    expect(response.results.map((result) => result.index)).toEqual([2]);
    expect(response.route?.provider).toBe("cohere");
  });

  it("refuses a model without rerank, and a request without documents, with a 400", async () => {
    const unsupported = await post("/v1/rerank", { model: "not-a-reranker", query: "q", documents: ["d"] });
    expect(unsupported.status).toBe(400);
    expect(((await unsupported.json()) as { error: { message: string } }).error.message).toContain(
      "does not support rerank",
    );
    const empty = await post("/v1/rerank", { model: "rerank", query: "q", documents: [] });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { param: string } }).error.param).toBe("documents");
  });
});
