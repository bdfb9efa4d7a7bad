import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role } from "../../gen/switchyard/v1/chat_pb.js";
import { CompletionService } from "../../gen/switchyard/v1/completion_pb.js";
import { type Fixture, startFixture } from "../helpers/fixture.js";
import { MASTER_KEY } from "../helpers/master-key.js";

let fixture: Fixture;
let client: OpenAI;
const auth = { authorization: `Bearer ${MASTER_KEY}` };

beforeAll(async () => {
  fixture = await startFixture(
    "  - model_name: unpriced\n    litellm_params:\n      model: openai/my-finetune\n      mock_response: Hi.\n",
  );
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${fixture.gateway.url}/v1`, maxRetries: 0 });
});
afterAll(() => fixture.close());

/** gpt-4o-mini's list price (the fixture's gpt-test), US dollars for these tokens. */
function gpt4oMiniCost(promptTokens: number, completionTokens: number): number {
  return (promptTokens * 0.15 + completionTokens * 0.6) / 1e6;
}

const userMessage = (text: string) => ({
  role: Role.USER,
  content: [{ part: { case: "text" as const, value: text } }],
});

describe("what a call cost, on the answer", () => {
  it("comes in x-switchyard-response-cost and x-litellm-response-cost to the openai client", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "gpt-test", messages: [{ role: "user", content: "what does this cost me" }] })
      .withResponse();
    const expected = gpt4oMiniCost(data.usage!.prompt_tokens, data.usage!.completion_tokens);
    expect(Number(response.headers.get("x-switchyard-response-cost"))).toBeCloseTo(expected, 12);
    expect(response.headers.get("x-litellm-response-cost")).toBe(
      response.headers.get("x-switchyard-response-cost"),
    );
  });

  it("is absent for a model without a known price rather than zero", async () => {
    const { response } = await client.chat.completions
      .create({ model: "unpriced", messages: [{ role: "user", content: "hi" }] })
      .withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get("x-switchyard-response-cost")).toBeNull();
    expect(response.headers.get("x-litellm-response-cost")).toBeNull();
  });

  it("is usage.cost_usd and a header over Connect", async () => {
    const rpc = createClient(
      CompletionService,
      createConnectTransport({ baseUrl: fixture.gateway.url, httpVersion: "1.1" }),
    );
    let headers: Headers | undefined;
    const completion = await rpc.createChatCompletion(
      { model: "gpt-test", messages: [userMessage("priced over connect")] },
      { headers: auth, onHeader: (received) => (headers = received) },
    );
    const usage = completion.usage!;
    const expected = gpt4oMiniCost(usage.promptTokens, usage.completionTokens);
    expect(usage.costUsd).toBeCloseTo(expected, 12);
    expect(Number(headers?.get("x-switchyard-response-cost"))).toBe(usage.costUsd);
  });

  it("is on a stream's usage message and in its trailer over gRPC", async () => {
    const rpc = createClient(CompletionService, createGrpcTransport({ baseUrl: fixture.gateway.url }));
    let trailer: Headers | undefined;
    let last: { promptTokens: number; completionTokens: number; costUsd?: number } | undefined;
    for await (const chunk of rpc.streamChatCompletion(
      {
        model: "gpt-test",
        messages: [userMessage("stream the price")],
        streamOptions: { includeUsage: true },
      },
      { headers: auth, onTrailer: (received) => (trailer = received) },
    )) {
      if (chunk.usage) last = chunk.usage;
    }
    expect(last?.costUsd).toBeCloseTo(gpt4oMiniCost(last!.promptTokens, last!.completionTokens), 12);
    expect(Number(trailer?.get("x-switchyard-response-cost"))).toBe(last?.costUsd);
  });
});
