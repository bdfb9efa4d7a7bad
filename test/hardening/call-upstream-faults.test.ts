import Anthropic from "@anthropic-ai/sdk";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role } from "../../gen/switchyard/v1/chat_pb.js";
import { CompletionService } from "../../gen/switchyard/v1/completion_pb.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";
import { upstreamCalls } from "./call-upstream-requests.js";

/**
 * An upstream answer that is not what its protocol promises — an HTML page
 * or an empty body with status 200, a stream that ends without its end — is
 * the upstream's fault: retried and fallen back from like a 5xx before any
 * output, an in-stream error after it; never a successful empty answer.
 */

let upstream: FakeOpenAI;
let gateway: RunningGateway;
let openai: OpenAI;

/** One group per fault, each on its own deployment; `guarded` falls back to a good group. */
function entry(group: string, fault: string): string {
  return `  - model_name: ${group}
    litellm_params: { model: openai/${fault}, api_base: ${upstream.url}, api_key: sk-test }
`;
}

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  gateway = await startGateway(
    `model_list:
${entry("html", "html-200")}${entry("empty", "empty-200")}${entry("unterminated", "no-terminal")}${entry("guarded", "html-200")}${entry("good", "gpt-4o")}
router_settings:
  num_retries: 2
  retry_after: 0
  fallbacks: [{"guarded": ["good"]}]
`,
  );
  openai = new OpenAI({ apiKey: "unused", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const messages = [{ role: "user" as const, content: "hello" }];

/** The error a call rejects with, which must be an OpenAI APIError. */
async function apiError(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(OpenAI.APIError);
  return error as InstanceType<typeof OpenAI.APIError>;
}

describe("a 200 that is not the protocol's answer", () => {
  it.each([
    ["html", "html-200", true],
    ["html", "html-200", false],
    ["empty", "empty-200", true],
    ["empty", "empty-200", false],
  ])(
    "%s (%s, stream %s) is a 502 after every retry, never an empty success",
    async (group, fault, stream) => {
      const before = upstreamCalls(upstream, fault);
      const call = stream
        ? (async () => {
            const chunks = await openai.chat.completions.create({ model: group, messages, stream: true });
            for await (const _chunk of chunks) {
              // A silent empty success would end here without an error.
            }
          })()
        : openai.chat.completions.create({ model: group, messages });
      const error = await apiError(call);
      expect(error.status).toBe(502);
      expect(upstreamCalls(upstream, fault) - before).toBe(3);
      // Error answers say what the router went through, as successes do.
      expect(error.headers?.get("x-litellm-attempted-retries")).toBe("2");
      expect(error.headers?.get("x-litellm-call-id")).toMatch(/^[0-9a-f-]{36}$/);
    },
  );

  it("falls back to another group when every retry got an HTML page", async () => {
    const chunks = await openai.chat.completions
      .create({ model: "guarded", messages, stream: true })
      .withResponse();
    let text = "";
    for await (const chunk of chunks.data) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).not.toBe("");
    expect(chunks.response.headers.get("x-litellm-model-group")).toBe("good");
    expect(chunks.response.headers.get("x-litellm-attempted-fallbacks")).toBe("1");
  });

  it("reports a stream cut before its end as an error after the output it had", async () => {
    const chunks = await openai.chat.completions.create({ model: "unterminated", messages, stream: true });
    let received = 0;
    const failure = await (async () => {
      for await (const _chunk of chunks) received++;
    })().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(received).toBeGreaterThan(0);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(String((failure as Error).message)).toMatch(/without its end/);
  });

  it("is an Anthropic API error on /v1/messages, not an empty end_turn", async () => {
    const anthropic = new Anthropic({ apiKey: "unused", baseURL: gateway.url, maxRetries: 0 });
    const stream = anthropic.messages.stream({ model: "empty", max_tokens: 16, messages });
    const failure = await stream.finalMessage().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect((failure as InstanceType<typeof Anthropic.APIError>).status).toBe(502);
  });

  it("is UNAVAILABLE for a Connect client", async () => {
    const client = createClient(
      CompletionService,
      createConnectTransport({ baseUrl: gateway.url, httpVersion: "1.1" }),
    );
    const failure = await (async () => {
      for await (const _chunk of client.streamChatCompletion({
        model: "html",
        messages: [{ role: Role.USER, content: [{ part: { case: "text", value: "hello" } }] }],
      })) {
        // nothing is expected
      }
    })().then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(failure).toBeInstanceOf(ConnectError);
    expect((failure as ConnectError).code).toBe(Code.Unavailable);
  });
});
