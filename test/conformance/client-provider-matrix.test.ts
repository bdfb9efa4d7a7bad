import Anthropic from "@anthropic-ai/sdk";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role } from "../../gen/switchyard/v1/chat_pb.js";
import { CompletionService } from "../../gen/switchyard/v1/completion_pb.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";
import { providerCases, type RunningUpstream } from "./provider-cases.js";

/**
 * Any client format reaches any provider: every caller-side client, against
 * every chat provider, plain and streaming, gets the same answer.
 */

const providers = [
  "openai",
  "anthropic",
  "huggingface (router chat)",
  "gemini",
  "vertex_ai (gemini)",
  "vertex_ai (claude)",
  "bedrock (converse)",
  "cohere",
  "xinference",
] as const;
type Ask = (model: string, text: string, stream: boolean) => Promise<string>;

let gateway: RunningGateway;
const upstreams: RunningUpstream[] = [];

beforeAll(async () => {
  const entries: string[] = [];
  for (const [index, name] of providers.entries()) {
    const subject = providerCases.find((candidate) => candidate.name === name)!;
    const upstream = await subject.start();
    upstreams.push(upstream);
    entries.push(`  - model_name: provider-${index}\n    litellm_params:\n${upstream.params}`);
  }
  gateway = await startGateway(`model_list:\n${entries.join("\n")}\n`);
});
afterAll(async () => {
  await gateway.close();
  await Promise.all(upstreams.map((upstream) => upstream.close()));
});

const clients: Record<string, () => Ask> = {
  "OpenAI SDK": () => {
    const client = new OpenAI({ apiKey: "unused", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    return async (model, text, stream) => {
      const messages = [{ role: "user" as const, content: text }];
      if (!stream) {
        return (await client.chat.completions.create({ model, messages })).choices[0]?.message.content ?? "";
      }
      let answer = "";
      for await (const chunk of await client.chat.completions.create({ model, messages, stream: true })) {
        answer += chunk.choices[0]?.delta.content ?? "";
      }
      return answer;
    };
  },
  "Anthropic SDK": () => {
    const client = new Anthropic({ apiKey: "unused", baseURL: gateway.url, maxRetries: 0 });
    return async (model, text, stream) => {
      const params = { model, max_tokens: 256, messages: [{ role: "user" as const, content: text }] };
      const message = stream
        ? await client.messages.stream(params).finalMessage()
        : await client.messages.create(params);
      return message.content.map((block) => (block.type === "text" ? block.text : "")).join("");
    };
  },
  "gRPC client": () => {
    const client = createClient(CompletionService, createGrpcTransport({ baseUrl: gateway.url }));
    return async (model, text, stream) => {
      const request = {
        model,
        messages: [{ role: Role.USER, content: [{ part: { case: "text" as const, value: text } }] }],
      };
      if (!stream) {
        const part = (await client.createChatCompletion(request)).choices[0]?.message?.content[0]?.part;
        return part?.case === "text" ? part.value : "";
      }
      let answer = "";
      for await (const chunk of client.streamChatCompletion(request))
        answer += chunk.choices[0]?.content ?? "";
      return answer;
    };
  },
};

describe.each(Object.entries(clients))("%s", (clientName, makeAsk) => {
  describe.each(providers.map((name, index) => ({ name, model: `provider-${index}` })))(
    "→ $name",
    ({ model }) => {
      for (const stream of [false, true]) {
        it(stream ? "streaming" : "plain", async () => {
          const text = `matrix ${clientName} ${model} ${stream ? "stream" : "plain"}`;
          expect(await makeAsk()(model, text, stream)).toBe(`echo: ${text}`);
        });
      }
    },
  );
});
