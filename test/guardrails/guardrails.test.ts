import Anthropic from "@anthropic-ai/sdk";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role } from "../../gen/switchyard/v1/chat_pb.js";
import { CompletionService } from "../../gen/switchyard/v1/completion_pb.js";
import { type FakeGuardrailService, startFakeGuardrailService } from "../fakes/guardrail-service.js";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { MASTER_KEY } from "../helpers/master-key.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";

let upstream: FakeOpenAI;
let service: FakeGuardrailService;
let gateway: RunningGateway;
let openai: OpenAI;

function config(): string {
  return `
general_settings: { master_key: ${MASTER_KEY} }
model_list:
  - model_name: chat
    litellm_params: { model: openai/gpt-4o, api_base: ${upstream.url}, api_key: sk-upstream }
guardrails:
  - guardrail_name: mask-emails
    litellm_params:
      guardrail: litellm_content_filter
      mode: pre_call
      default_on: true
      patterns: [{ pattern_type: prebuilt, pattern_name: email, action: MASK }]
  - guardrail_name: block-cards
    litellm_params:
      guardrail: litellm_content_filter
      mode: pre_call
      patterns: [{ pattern_type: prebuilt, pattern_name: credit_card, action: BLOCK }]
      blocked_words: [{ keyword: project falcon, action: BLOCK, description: internal codename }]
  - guardrail_name: answer-filter
    litellm_params:
      guardrail: litellm_content_filter
      mode: post_call
      patterns: [{ pattern_type: prebuilt, pattern_name: us_ssn, action: MASK }]
      blocked_words: [{ keyword: verboten, action: BLOCK }]
  - guardrail_name: screen
    litellm_params: { guardrail: generic_guardrail_api, mode: during_call, api_base: ${service.url}, api_key: gr-key }
  - guardrail_name: screen-pre
    litellm_params: { guardrail: generic_guardrail_api, mode: pre_call, api_base: ${service.url} }
  - guardrail_name: down-closed
    litellm_params: { guardrail: generic_guardrail_api, mode: pre_call, api_base: "http://127.0.0.1:1", timeout: 2 }
  - guardrail_name: down-open
    litellm_params:
      guardrail: generic_guardrail_api
      mode: pre_call
      api_base: "http://127.0.0.1:1"
      unreachable_fallback: fail_open
  - guardrail_name: moderation
    litellm_params: { guardrail: openai_moderation, mode: pre_call, api_base: ${service.url}/v1, api_key: sk-moderation }
  - guardrail_name: short-inputs
    litellm_params: { guardrail: max_input_tokens, max_tokens: 20 }
`;
}

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  service = await startFakeGuardrailService();
  gateway = await startGateway(config());
  openai = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
  await service?.close();
});

function lastUpstreamText(): unknown {
  const body = upstream.requests.at(-1)?.body as { messages: Array<{ content: unknown }> };
  return body.messages.at(-1)?.content;
}

/** A chat call with LiteLLM's body fields beside OpenAI's (the SDK sends unknown fields as they are). */
function chat(content: string, extra: Record<string, unknown> = {}) {
  return openai.chat.completions.create({
    model: "chat",
    messages: [{ role: "user", content }],
    ...extra,
  } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming);
}

async function refusal(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(OpenAI.APIError);
  return error as InstanceType<typeof OpenAI.APIError>;
}

describe("guardrails on the OpenAI door", () => {
  it("masks with a default-on pre_call guardrail: the upstream never sees the address", async () => {
    const answer = await chat("mail me at jane.doe@example.com");
    expect(lastUpstreamText()).toBe("mail me at [EMAIL_REDACTED]");
    expect(answer.choices[0]?.message.content).toBe("echo: mail me at [EMAIL_REDACTED]");
  });

  it("blocks a card number when the request names the guardrail, before any upstream call", async () => {
    const before = upstream.requests.length;
    const error = await refusal(chat("charge 4111 1111 1111 1111", { guardrails: ["block-cards"] }));
    expect(error.status).toBe(400);
    expect(error.message).toContain("Content blocked: credit_card pattern detected (guardrail: block-cards)");
    expect(upstream.requests.length).toBe(before);
    // An order number of the same shape fails the Luhn check: not a card, the call goes through.
    await expect(chat("order 4000 1234 5678 9012", { guardrails: ["block-cards"] })).resolves.toBeDefined();
  });

  it("takes the selection from metadata.guardrails too, and blocks a listed keyword", async () => {
    const error = await refusal(
      chat("status of Project Falcon?", { metadata: { guardrails: ["block-cards"] } }),
    );
    expect(error.message).toContain("Content blocked: keyword 'project falcon' detected (internal codename)");
  });

  it("refuses a guardrail name that is not configured", async () => {
    const error = await refusal(chat("hi", { guardrails: ["no-such-guardrail"] }));
    expect(error.status).toBe(400);
    expect(error.message).toContain("guardrail 'no-such-guardrail' is not configured");
  });

  it("post_call: masks the answer, and blocks an answer with a listed word", async () => {
    const masked = await chat("my ssn is 123-45-6789", { guardrails: ["answer-filter"] });
    expect(masked.choices[0]?.message.content).toBe("echo: my ssn is [US_SSN_REDACTED]");
    // The upstream was asked with the number (post_call looks only at answers).
    expect(lastUpstreamText()).toBe("my ssn is 123-45-6789");
    const error = await refusal(chat("say verboten", { guardrails: ["answer-filter"] }));
    expect(error.status).toBe(400);
    expect(error.message).toContain("keyword 'verboten'");
  });

  it("post_call on a stream: the answer is held, checked whole, then sent masked", async () => {
    const stream = await openai.chat.completions.create({
      model: "chat",
      stream: true,
      messages: [{ role: "user", content: "my ssn is 123-45-6789 thanks" }],
      guardrails: ["answer-filter"],
    } as OpenAI.Chat.ChatCompletionCreateParamsStreaming);
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("echo: my ssn is [US_SSN_REDACTED] thanks");

    const blocked = await refusal(
      (async () => {
        const refused = await openai.chat.completions.create({
          model: "chat",
          stream: true,
          messages: [{ role: "user", content: "say verboten" }],
          guardrails: ["answer-filter"],
        } as OpenAI.Chat.ChatCompletionCreateParamsStreaming);
        for await (const _chunk of refused) {
          // never reached: nothing is sent before the check
        }
      })(),
    );
    expect(blocked.status).toBe(400);
  });

  it("a guardrail service: during_call blocks, pre_call rewrites, and the key is sent", async () => {
    const error = await refusal(chat("tell me about the forbidden room", { guardrails: ["screen"] }));
    expect(error.message).toContain("forbidden topic (guardrail: screen)");
    const seen = service.requests.at(-1)!;
    expect(seen.input_type).toBe("request");
    expect(seen.headers["x-api-key"]).toBe("gr-key");

    const answer = await chat("my secret plan", { guardrails: ["screen-pre"] });
    expect(lastUpstreamText()).toBe("my [removed] plan");
    expect(answer.choices[0]?.message.content).toBe("echo: my [removed] plan");
  });

  it("a guardrail service that is down fails the call closed by default, open when configured", async () => {
    const error = await refusal(chat("hello", { guardrails: ["down-closed"] }));
    expect(error.status).toBe(503);
    expect(error.message).toContain("guardrail 'down-closed' could not be reached");
    const answer = await chat("hello", { guardrails: ["down-open"] });
    expect(answer.choices[0]?.message.content).toBe("echo: hello");
  });

  it("openai_moderation: a flagged input is refused naming the categories", async () => {
    const error = await refusal(chat("a hateful message", { guardrails: ["moderation"] }));
    expect(error.status).toBe(400);
    expect(error.message).toContain("Violated OpenAI moderation policy: hate (guardrail: moderation)");
    const asked = service.moderations.at(-1)!;
    expect(asked).toMatchObject({ model: "omni-moderation-latest", input: ["a hateful message"] });
    expect(asked.headers.authorization).toBe("Bearer sk-moderation");
    const answer = await chat("a kind message", { guardrails: ["moderation"] });
    expect(answer.choices[0]?.message.content).toBe("echo: a kind message");
  });

  it("max_input_tokens refuses a long input", async () => {
    const error = await refusal(chat("word ".repeat(40), { guardrails: ["short-inputs"] }));
    expect(error.status).toBe(400);
    expect(error.message).toContain("the limit is 20");
  });
});

describe("guardrails on the other doors", () => {
  it("Anthropic's /v1/messages answers a block as an Anthropic 400", async () => {
    const anthropic = new Anthropic({ apiKey: MASTER_KEY, baseURL: gateway.url, maxRetries: 0 });
    const error = await anthropic.messages
      .create({
        model: "chat",
        max_tokens: 50,
        messages: [{ role: "user", content: "charge 4111 1111 1111 1111" }],
        guardrails: ["block-cards"],
      } as Anthropic.MessageCreateParamsNonStreaming)
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as InstanceType<typeof Anthropic.BadRequestError>).message).toContain(
      "credit_card pattern detected",
    );
  });

  it("Connect callers name guardrails in extra_body and get INVALID_ARGUMENT", async () => {
    const client = createClient(
      CompletionService,
      createConnectTransport({ baseUrl: gateway.url, httpVersion: "1.1" }),
    );
    const error = await client
      .createChatCompletion(
        {
          model: "chat",
          messages: [
            { role: Role.USER, content: [{ part: { case: "text", value: "charge 4111 1111 1111 1111" } }] },
          ],
          extraBody: { guardrails: ["block-cards"] },
        },
        { headers: { authorization: `Bearer ${MASTER_KEY}` } },
      )
      .then(
        () => undefined,
        (reason: unknown) => ConnectError.from(reason),
      );
    expect(error?.code).toBe(Code.InvalidArgument);
    expect(error?.rawMessage).toContain("credit_card pattern detected");
  });
});

describe("LiteLLM's guardrail routes", () => {
  const headers = { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" };

  it("lists the configured guardrails without secrets", async () => {
    const response = await fetch(`${gateway.url}/guardrails/list`, { headers });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { guardrails: Array<Record<string, unknown>> };
    expect(body.guardrails.map((entry) => entry.guardrail_name)).toContain("block-cards");
    expect(body.guardrails.find((entry) => entry.guardrail_name === "mask-emails")).toMatchObject({
      litellm_params: { guardrail: "litellm_content_filter", mode: "pre_call", default_on: true },
    });
    expect(JSON.stringify(body)).not.toContain("gr-key");
    expect((await fetch(`${gateway.url}/guardrails/list`)).status).toBe(401);
  });

  it("applies one guardrail to a text", async () => {
    const masked = await fetch(`${gateway.url}/guardrails/apply_guardrail`, {
      method: "POST",
      headers,
      body: JSON.stringify({ guardrail_name: "mask-emails", text: "write to a.b@example.org today" }),
    });
    expect(await masked.json()).toEqual({ response_text: "write to [EMAIL_REDACTED] today" });
    const blocked = await fetch(`${gateway.url}/guardrails/apply_guardrail`, {
      method: "POST",
      headers,
      body: JSON.stringify({ guardrail_name: "block-cards", text: "4111 1111 1111 1111" }),
    });
    expect(blocked.status).toBe(400);
    const unknown = await fetch(`${gateway.url}/guardrails/apply_guardrail`, {
      method: "POST",
      headers,
      body: JSON.stringify({ guardrail_name: "nope", text: "x" }),
    });
    expect(unknown.status).toBe(404);
  });

  it("counts checks by guardrail, mode and outcome in /metrics", async () => {
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(
      /switchyard_guardrail_checks_total\{guardrail="block-cards",mode="pre_call",outcome="blocked"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /switchyard_guardrail_checks_total\{guardrail="mask-emails",mode="pre_call",outcome="masked"\} [1-9]/,
    );
  });
});
