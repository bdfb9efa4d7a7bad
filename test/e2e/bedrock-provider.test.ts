import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeBedrock, startFakeBedrock } from "../fakes/bedrock-upstream.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";

const ACCESS_KEY_ID = "AKIAE2ETESTKEY";
const SECRET = "e2e-secret-access-key";
const SESSION_TOKEN = "e2e-session-token";
const REGION = "ap-southeast-2";

let upstream: FakeBedrock;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeBedrock({
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET,
    sessionToken: SESSION_TOKEN,
    region: REGION,
  });
  // Credentials in the deployment's params, from the environment, and from a stored credential.
  const entry = (name: string, model: string, credentials = "params") => {
    const lines = [
      `  - model_name: ${name}`,
      "    litellm_params:",
      `      model: ${model}`,
      `      api_base: ${upstream.url}`,
    ];
    if (credentials === "params") {
      lines.push(
        "      aws_access_key_id: os.environ/TEST_AWS_KEY",
        "      aws_secret_access_key: os.environ/TEST_AWS_SECRET",
        `      aws_session_token: ${SESSION_TOKEN}`,
        `      aws_region_name: ${REGION}`,
      );
    } else if (credentials === "stored") {
      lines.push("      litellm_credential_name: bedrock-credential");
    }
    return lines.join("\n");
  };
  const yaml = [
    "credential_list:",
    "  - credential_name: bedrock-credential",
    `    credential_values: { aws_access_key_id: ${ACCESS_KEY_ID}, aws_secret_access_key: ${SECRET}, aws_session_token: ${SESSION_TOKEN}, aws_region_name: ${REGION} }`,
    "model_list:",
    entry("claude", "bedrock/us.anthropic.claude-3-5-sonnet-20241022-v2:0"),
    entry("claude-converse", "bedrock/converse/anthropic.claude-3-haiku-20240307-v1:0"),
    entry("claude-invoke", "bedrock/invoke/anthropic.claude-3-haiku-20240307-v1:0"),
    entry("from-env", "bedrock/amazon.nova-lite-v1:0", "env"),
    entry("from-credential", "bedrock/meta.llama3-70b-instruct-v1:0", "stored"),
    `  - model_name: wrong-secret\n    litellm_params:\n      model: bedrock/amazon.nova-pro-v1:0\n      api_base: ${upstream.url}\n      aws_access_key_id: ${ACCESS_KEY_ID}\n      aws_secret_access_key: not-the-secret\n      aws_session_token: ${SESSION_TOKEN}\n      aws_region_name: ${REGION}`,
    entry("throttled", "bedrock/error-throttle"),
    entry("too-long", "bedrock/error-context"),
    entry("denied", "bedrock/error-denied"),
    entry("broken-stream", "bedrock/error-mid-stream"),
    entry("titan", "bedrock/amazon.titan-embed-text-v2:0"),
    entry("cohere-embed", "bedrock/cohere.embed-english-v3"),
  ].join("\n");
  gateway = await startGateway(yaml, {
    TEST_AWS_KEY: ACCESS_KEY_ID,
    TEST_AWS_SECRET: SECRET,
    AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: SECRET,
    AWS_SESSION_TOKEN: SESSION_TOKEN,
    AWS_REGION: REGION,
  });
  await gateway.gateway.credentialsReady;
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

describe("a Bedrock deployment (Converse)", () => {
  it("sends a signed Converse request with system, inferenceConfig and the profile id URL-encoded in the path", async () => {
    const completion = await client.chat.completions.create({
      model: "claude",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "hello there" },
      ],
      max_tokens: 50,
      temperature: 0.3,
      top_p: 0.9,
      stop: ["END"],
      // Model-specific: into additionalModelRequestFields.
      top_k: 5,
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect(completion.choices[0]?.message.content).toBe("echo: hello there");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.id).toMatch(/^chatcmpl-req-fake-/);
    expect(completion.usage?.completion_tokens).toBe(3);

    const sent = upstream.requests.at(-1)!;
    expect(sent.path).toBe("/model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse");
    expect(sent.modelId).toBe("us.anthropic.claude-3-5-sonnet-20241022-v2:0");
    expect(sent.headers.authorization).toMatch(
      new RegExp(`^AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/\\d{8}/${REGION}/bedrock/aws4_request, `),
    );
    expect(sent.headers["x-amz-security-token"]).toBe(SESSION_TOKEN);
    expect(sent.body).toEqual({
      messages: [{ role: "user", content: [{ text: "hello there" }] }],
      system: [{ text: "Be brief." }],
      inferenceConfig: { maxTokens: 50, temperature: 0.3, topP: 0.9, stopSequences: ["END"] },
      additionalModelRequestFields: { top_k: 5 },
    });
  });

  it("strips LiteLLM's converse/ and invoke/ route prefixes from the model id", async () => {
    for (const model of ["claude-converse", "claude-invoke"]) {
      await client.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] });
      expect(upstream.requests.at(-1)!.path).toBe("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse");
    }
  });

  it("takes credentials and region from the environment and from a stored credential", async () => {
    for (const model of ["from-env", "from-credential"]) {
      const completion = await client.chat.completions.create({
        model,
        messages: [{ role: "user", content: model }],
      });
      expect(completion.choices[0]?.message.content).toBe(`echo: ${model}`);
    }
  });

  it("answers a wrong secret with the upstream's signature error as a 401, the secret nowhere in it", async () => {
    const error = await client.chat.completions
      .create({ model: "wrong-secret", messages: [{ role: "user", content: "hi" }] })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    const message = (error as InstanceType<typeof OpenAI.APIError>).message;
    expect(message).toContain("InvalidSignatureException");
    expect(message).not.toContain("not-the-secret");
  });

  it("sends tools as toolConfig, tool calls back as toolUse and results as toolResult blocks", async () => {
    const first = await client.chat.completions.create({
      model: "claude",
      messages: [{ role: "user", content: "weather in Oslo" }],
      tools: [weatherTool],
      tool_choice: "required",
    });
    const call = first.choices[0]?.message.tool_calls?.[0];
    if (call?.type !== "function") throw new Error("expected a function call");
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    expect((upstream.requests.at(-1)!.body as Record<string, unknown>).toolConfig).toEqual({
      tools: [
        {
          toolSpec: {
            name: "get_weather",
            description: "Current weather for a city",
            inputSchema: { json: weatherTool.function.parameters },
          },
        },
      ],
      toolChoice: { any: {} },
    });
    const second = await client.chat.completions.create({
      model: "claude",
      messages: [
        { role: "user", content: "weather in Oslo" },
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: call.id, content: "3C" },
      ],
      tools: [weatherTool],
    });
    expect(second.choices[0]?.message.content).toBe("tool said: 3C");
    expect((upstream.requests.at(-1)!.body as Record<string, unknown>).messages).toEqual([
      { role: "user", content: [{ text: "weather in Oslo" }] },
      {
        role: "assistant",
        content: [
          { toolUse: { toolUseId: call.id, name: "get_weather", input: { query: "weather in Oslo" } } },
        ],
      },
      { role: "user", content: [{ toolResult: { toolUseId: call.id, content: [{ text: "3C" }] } }] },
    ]);
  });

  it("rejects an image URL that is not a data URL with a 400 before calling Bedrock", async () => {
    const before = upstream.requests.length;
    const error = await client.chat.completions
      .create({
        model: "claude",
        messages: [
          { role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/a.png" } }] },
        ],
      })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(upstream.requests.length).toBe(before);
  });

  it("refuses JSON mode with a 400 naming response_format, before calling Bedrock", async () => {
    const before = upstream.requests.length;
    const error = await client.chat.completions
      .create({
        model: "claude",
        messages: [{ role: "user", content: "x" }],
        response_format: { type: "json_object" },
      })
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("response_format");
    expect(upstream.requests.length).toBe(before);
  });

  it("streams to the Anthropic SDK too", async () => {
    const anthropic = new Anthropic({ apiKey: "unused", baseURL: gateway.url, maxRetries: 0 });
    const message = await anthropic.messages
      .stream({
        model: "claude",
        max_tokens: 64,
        messages: [{ role: "user", content: "streamed words here" }],
      })
      .finalMessage();
    expect(message.content).toEqual([{ type: "text", text: "echo: streamed words here" }]);
    expect(message.stop_reason).toBe("end_turn");
    expect(upstream.requests.at(-1)!.operation).toBe("converse-stream");
  });
});

describe("Bedrock errors", () => {
  const fail = async (model: string): Promise<InstanceType<typeof OpenAI.APIError>> => {
    const error = await client.chat.completions
      .create({ model, messages: [{ role: "user", content: "hi" }] })
      .then(
        () => undefined,
        (reason: unknown) => reason,
      );
    if (!(error instanceof OpenAI.APIError)) throw new Error(`expected an API error from ${model}`);
    return error;
  };

  it("ThrottlingException is a 429 rate limit error", async () => {
    const error = await fail("throttled");
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.message).toContain("ThrottlingException");
  });

  it("a too-long ValidationException is context_length_exceeded, for context window fallbacks", async () => {
    const error = await fail("too-long");
    expect(error.status).toBe(400);
    expect(error.code).toBe("context_length_exceeded");
  });

  it("AccessDeniedException is a 403", async () => {
    expect((await fail("denied")).status).toBe(403);
  });

  it("an exception frame mid-stream ends the stream with an error after the text so far", async () => {
    const stream = await client.chat.completions.create({
      model: "broken-stream",
      messages: [{ role: "user", content: "several words to stream" }],
      stream: true,
    });
    let text = "";
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })().catch((reason: unknown) => reason);
    expect(text).toBe("echo:");
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toContain("ThrottlingException");
  });
});

describe("Bedrock embeddings (InvokeModel)", () => {
  it("Titan: one invoke per input, with dimensions, and the token counts summed", async () => {
    const before = upstream.requests.length;
    const response = await client.embeddings.create({
      model: "titan",
      input: ["one two", "three"],
      dimensions: 4,
    });
    expect(response.data.map((item) => item.embedding.length)).toEqual([4, 4]);
    expect(response.data[0]?.embedding).not.toEqual(response.data[1]?.embedding);
    expect(response.usage.prompt_tokens).toBe(3);
    const sent = upstream.requests.slice(before);
    expect(sent.map((request) => request.path)).toEqual([
      "/model/amazon.titan-embed-text-v2%3A0/invoke",
      "/model/amazon.titan-embed-text-v2%3A0/invoke",
    ]);
    expect(sent.map((request) => request.body)).toEqual([
      { inputText: "one two", dimensions: 4 },
      { inputText: "three", dimensions: 4 },
    ]);
  });

  it("Cohere: every input in one invoke with input_type", async () => {
    const response = await client.embeddings.create({
      model: "cohere-embed",
      input: ["alpha", "beta gamma"],
    });
    expect(response.data.map((item) => item.index)).toEqual([0, 1]);
    expect(response.usage.prompt_tokens).toBe(3);
    expect(upstream.requests.at(-1)!.body).toEqual({
      texts: ["alpha", "beta gamma"],
      input_type: "search_document",
    });
  });
});
