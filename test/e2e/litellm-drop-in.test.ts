import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";

/**
 * A LiteLLM config as its users write it (bare names, wildcards, aliases)
 * behind the official openai client, against a fake OpenAI upstream that
 * records what it received.
 */
let upstream: FakeOpenAI;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  const base = `      api_base: ${upstream.url}\n      api_key: sk-upstream\n`;
  const yaml =
    "model_list:\n" +
    `  - model_name: gpt-4o\n    litellm_params:\n      model: gpt-4o\n${base}` +
    `  - model_name: backup\n    litellm_params:\n      model: openai/backup-model\n${base}` +
    `  - model_name: broken\n    litellm_params:\n      model: openai/error-500\n${base}` +
    `  - model_name: "openai/*"\n    litellm_params:\n      model: "openai/*"\n${base}` +
    `  - model_name: "gpt-4o-*"\n    litellm_params:\n      model: "openai/snapshot-*"\n${base}` +
    `  - model_name: "*"\n    litellm_params:\n      model: "*"\n${base}` +
    "router_settings:\n  model_group_alias: {gpt-4: gpt-4o}\n";
  gateway = await startGateway(yaml);
  client = new OpenAI({ apiKey: "anything", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const hello = [{ role: "user" as const, content: "hello" }];

/** A request body with LiteLLM's fields, which the OpenAI SDK's types do not know (the SDK sends them as given). */
function litellmBody(body: Record<string, unknown>): OpenAI.ChatCompletionCreateParamsNonStreaming {
  return body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
}

function litellmStreamBody(body: Record<string, unknown>): OpenAI.ChatCompletionCreateParamsStreaming {
  return body as unknown as OpenAI.ChatCompletionCreateParamsStreaming;
}

/** The body the upstream received for the last call. */
function lastUpstreamBody(): Record<string, unknown> {
  return upstream.requests.at(-1)?.body as Record<string, unknown>;
}

describe("model names as LiteLLM resolves them", () => {
  it("serves a bare model name through the provider LiteLLM's map names", async () => {
    const answer = await client.chat.completions.create({ model: "gpt-4o", messages: hello });
    expect(answer.choices[0]?.message.content).toContain("hello");
    expect(lastUpstreamBody().model).toBe("gpt-4o");
  });

  it("answers a model_group_alias with its group", async () => {
    await client.chat.completions.create({ model: "gpt-4", messages: hello });
    expect(lastUpstreamBody().model).toBe("gpt-4o");
  });

  it("sends the requested name upstream under a provider wildcard", async () => {
    const response = await client.chat.completions
      .create({ model: "openai/gpt-4.1-mini", messages: hello })
      .withResponse();
    expect(lastUpstreamBody().model).toBe("gpt-4.1-mini");
    expect(response.response.headers.get("x-litellm-model-group")).toBe("openai/*");
  });

  it("prefers the most specific pattern, filling the deployment's own pattern", async () => {
    await client.chat.completions.create({ model: "gpt-4o-2024-08-06", messages: hello });
    expect(lastUpstreamBody().model).toBe("snapshot-2024-08-06");
  });

  it("routes anything else through `*`, inferring the provider from the name", async () => {
    await client.chat.completions.create({ model: "gpt-3.5-turbo-0125", messages: hello });
    expect(lastUpstreamBody().model).toBe("gpt-3.5-turbo-0125");
  });

  it("refuses a name under `*` whose provider cannot be told, naming the model", async () => {
    const failure = client.chat.completions.create({ model: "no-such-family-model", messages: hello });
    await expect(failure).rejects.toMatchObject({ status: 400 });
    await expect(failure).rejects.toThrow(/no-such-family-model/);
  });

  it("lists configured names, aliases and the models a provider wildcard expands to", async () => {
    const ids = (await client.models.list()).data.map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining(["gpt-4o", "gpt-4", "backup", "openai/gpt-4o-mini", "*"]));
  });
});

describe("LiteLLM's request-body control fields", () => {
  it("are honoured and never reach the upstream", async () => {
    const before = upstream.requests.length;
    const answer = await client.chat.completions.create(
      litellmBody({
        model: "broken",
        messages: hello,
        fallbacks: ["backup"],
        num_retries: 0,
        timeout: 20,
        metadata: { generation_name: "test", tags: ["x"] },
        tags: ["team-a"],
        mock_timeout: false,
        user_config: { model_list: [] },
        user: "end-user-1",
      }),
    );
    expect(answer.model).toBeDefined();
    const received = upstream.requests
      .slice(before)
      .map((request) => request.body as Record<string, unknown>);
    expect(received.map((body) => body.model)).toEqual(["error-500", "backup-model"]);
    for (const body of received) {
      for (const field of [
        "fallbacks",
        "num_retries",
        "timeout",
        "metadata",
        "tags",
        "mock_timeout",
        "user_config",
      ]) {
        expect(body).not.toHaveProperty(field);
      }
      expect(body.user).toBe("end-user-1");
    }
  });

  it("mock_response answers without calling the upstream", async () => {
    const before = upstream.requests.length;
    const answer = await client.chat.completions.create(
      litellmBody({
        model: "gpt-4o",
        messages: hello,
        mock_response: "mocked answer",
      }),
    );
    expect(answer.choices[0]?.message.content).toBe("mocked answer");
    expect(upstream.requests.length).toBe(before);
  });

  it("mock_testing_fallbacks fails the requested group so its fallback answers", async () => {
    const before = upstream.requests.length;
    const response = await client.chat.completions
      .create(
        litellmBody({
          model: "gpt-4o",
          messages: hello,
          mock_testing_fallbacks: true,
          fallbacks: ["backup"],
        }),
      )
      .withResponse();
    expect(
      upstream.requests.slice(before).map((request) => (request.body as { model: string }).model),
    ).toEqual(["backup-model"]);
    expect(response.response.headers.get("x-litellm-model-group")).toBe("backup");
  });

  it("mock_testing_rate_limit_error answers 429 without calling the upstream", async () => {
    const before = upstream.requests.length;
    const failure = client.chat.completions.create(
      litellmBody({
        model: "gpt-4o",
        messages: hello,
        mock_testing_rate_limit_error: true,
      }),
    );
    await expect(failure).rejects.toMatchObject({ status: 429 });
    expect(upstream.requests.length).toBe(before);
  });

  it("streams honour them too", async () => {
    const before = upstream.requests.length;
    const stream = await client.chat.completions.create(
      litellmStreamBody({
        model: "broken",
        messages: hello,
        stream: true,
        fallbacks: ["backup"],
        tags: ["t"],
      }),
    );
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toContain("hello");
    const last = upstream.requests.at(-1)?.body as Record<string, unknown>;
    expect(upstream.requests.length).toBe(before + 2);
    expect(last.model).toBe("backup-model");
    expect(last).not.toHaveProperty("fallbacks");
    expect(last).not.toHaveProperty("tags");
  });
});
