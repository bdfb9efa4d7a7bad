import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeAnthropic, startFakeAnthropic } from "../fakes/anthropic-upstream.js";
import { type FakeGemini, startFakeGemini } from "../fakes/gemini-upstream.js";
import { type FakeGoogleOAuth, startFakeGoogleOAuth } from "../fakes/google-oauth-server.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";

/**
 * Vertex AI through the gateway: URLs built from project and location, a
 * service-account key (inline, as a file, as a stored credential) turned
 * into OAuth tokens by a fake Google token server, tokens cached and
 * refreshed, Claude over rawPredict.
 */

let oauth: FakeGoogleOAuth;
let anthropic: FakeAnthropic;
let upstream: FakeGemini;
let gateway: RunningGateway;
let client: OpenAI;
let keyDirectory: string;

const MODEL_PATH = "/v1/projects/switchyard-test/locations/us-east5/publishers";

beforeAll(async () => {
  oauth = await startFakeGoogleOAuth();
  anthropic = await startFakeAnthropic();
  upstream = await startFakeGemini({
    validToken: (token) => oauth.issued.has(token),
    anthropicUrl: anthropic.url,
  });
  keyDirectory = await mkdtemp(join(tmpdir(), "switchyard-vertex-"));
  const keyFile = join(keyDirectory, "service-account.json");
  await writeFile(
    keyFile,
    JSON.stringify(oauth.serviceAccountKey("file@switchyard-test.iam.gserviceaccount.com", "from-key-file")),
  );
  const inlineKey = JSON.stringify(oauth.serviceAccountKey());
  const entry = (name: string, model: string, extra: string) =>
    `  - model_name: ${name}\n    litellm_params:\n      model: vertex_ai/${model}\n      api_base: ${upstream.origin}\n${extra}`;
  const inline = `      vertex_project: switchyard-test\n      vertex_location: us-east5\n      vertex_credentials: '${inlineKey}'\n`;
  const yaml = [
    "model_list:",
    entry("gemini", "gemini-2.5-flash", inline),
    entry("claude", "claude-sonnet-4-5@20250929", inline),
    // JSON without quotes is a YAML flow mapping: the key as a mapping, as LiteLLM configs also write it.
    entry("embedder", "text-embedding-005", inline.replace(`'${inlineKey}'`, inlineKey)),
    // Project from the key file, location from VERTEXAI_LOCATION.
    entry("from-file", "gemini-2.5-pro", `      vertex_credentials: ${keyFile}\n`),
    entry("stored", "gemini-2.5-flash", "      litellm_credential_name: vertex-sa\n"),
    entry(
      "missing-file",
      "gemini-2.5-flash",
      `      vertex_credentials: ${join(keyDirectory, "absent.json")}\n`,
    ),
    "credential_list:",
    "  - credential_name: vertex-sa",
    "    credential_values:",
    `      vertex_credentials: '${JSON.stringify(oauth.serviceAccountKey("stored@switchyard-test.iam.gserviceaccount.com"))}'`,
    "      vertex_project: stored-project",
    "      vertex_location: global",
  ].join("\n");
  gateway = await startGateway(`${yaml}\n`, { VERTEXAI_LOCATION: "europe-west4" });
  client = new OpenAI({ apiKey: "unused", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
  await anthropic.close();
  await oauth.close();
  await rm(keyDirectory, { recursive: true, force: true });
});

const ask = (model: string, content = "hello") =>
  client.chat.completions.create({ model, messages: [{ role: "user", content }] });

function bearerOf(index = -1): string {
  return String(upstream.requests.at(index)!.headers.authorization);
}

describe("Gemini on Vertex AI", () => {
  it("calls the project's model URL with a bearer token from the key's token server", async () => {
    const completion = await ask("gemini");
    expect(completion.choices[0]?.message.content).toBe("echo: hello");
    const sent = upstream.requests.at(-1)!;
    expect(sent.path).toBe(`${MODEL_PATH}/google/models/gemini-2.5-flash:generateContent`);
    expect(bearerOf()).toMatch(/^Bearer ya29\.fake-\d+$/);
    expect(sent.headers["x-goog-api-key"]).toBeUndefined();
    expect(sent.body).toEqual({ contents: [{ role: "user", parts: [{ text: "hello" }] }] });
  });

  it("streams over :streamGenerateContent?alt=sse", async () => {
    let text = "";
    for await (const chunk of await client.chat.completions.create({
      model: "gemini",
      messages: [{ role: "user", content: "stream me" }],
      stream: true,
    })) {
      text += chunk.choices[0]?.delta.content ?? "";
    }
    expect(text).toBe("echo: stream me");
    expect(upstream.requests.at(-1)!.path).toBe(
      `${MODEL_PATH}/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse`,
    );
  });

  it("embeds over :predict with token counts", async () => {
    const response = await client.embeddings.create({
      model: "embedder",
      input: ["one two", "three"],
      dimensions: 4,
    });
    expect(response.data.map((item) => item.embedding.length)).toEqual([4, 4]);
    expect(response.usage.prompt_tokens).toBe(3);
    const sent = upstream.requests.at(-1)!;
    expect(sent.path).toBe(`${MODEL_PATH}/google/models/text-embedding-005:predict`);
    expect(sent.body).toEqual({
      instances: [{ content: "one two" }, { content: "three" }],
      parameters: { outputDimensionality: 4 },
    });
  });

  it("reads a key file, takes the project from it and the location from VERTEXAI_LOCATION", async () => {
    await ask("from-file");
    expect(upstream.requests.at(-1)!.path).toBe(
      "/v1/projects/from-key-file/locations/europe-west4/publishers/google/models/gemini-2.5-pro:generateContent",
    );
    expect(oauth.grants.at(-1)?.email).toBe("file@switchyard-test.iam.gserviceaccount.com");
  });

  it("uses a service account stored as a credential (litellm_credential_name), at the global location", async () => {
    await ask("stored");
    expect(upstream.requests.at(-1)!.path).toBe(
      "/v1/projects/stored-project/locations/global/publishers/google/models/gemini-2.5-flash:generateContent",
    );
    expect(oauth.grants.at(-1)?.email).toBe("stored@switchyard-test.iam.gserviceaccount.com");
  });

  it("answers a key file that cannot be read with an error naming the deployment, not the path's content", async () => {
    const error = await ask("missing-file").catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).message).toContain("vertex_credentials unusable");
  });
});

describe("Vertex AI access tokens", () => {
  it("are fetched once for concurrent first calls and then reused", async () => {
    const before = oauth.grants.length;
    const email = "concurrent@switchyard-test.iam.gserviceaccount.com";
    const key = JSON.stringify(oauth.serviceAccountKey(email));
    const local = await startGateway(
      `model_list:\n  - model_name: m\n    litellm_params:\n      model: vertex_ai/gemini-2.5-flash\n      api_base: ${upstream.origin}\n      vertex_project: p\n      vertex_credentials: '${key}'\n`,
    );
    try {
      const localClient = new OpenAI({ apiKey: "unused", baseURL: `${local.url}/v1`, maxRetries: 0 });
      await Promise.all(
        Array.from({ length: 5 }, () =>
          localClient.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] }),
        ),
      );
      await localClient.chat.completions.create({ model: "m", messages: [{ role: "user", content: "y" }] });
      expect(oauth.grants.slice(before).filter((grant) => grant.email === email)).toHaveLength(1);
    } finally {
      await local.close();
    }
  });

  it("are refreshed in the background inside their last five minutes, without failing a call", async () => {
    const email = "refresh@switchyard-test.iam.gserviceaccount.com";
    const key = JSON.stringify(oauth.serviceAccountKey(email));
    const grantsFor = () => oauth.grants.filter((grant) => grant.email === email).length;
    const local = await startGateway(
      `model_list:\n  - model_name: m\n    litellm_params:\n      model: vertex_ai/gemini-2.5-flash\n      api_base: ${upstream.origin}\n      vertex_project: p\n      vertex_credentials: '${key}'\n`,
    );
    oauth.expiresInSeconds = 200;
    try {
      const localClient = new OpenAI({ apiKey: "unused", baseURL: `${local.url}/v1`, maxRetries: 0 });
      const call = () =>
        localClient.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] });
      await call();
      const first = bearerOf();
      expect(grantsFor()).toBe(1);
      // The token has 200 s left: this call uses it and starts a refresh.
      await call();
      expect(bearerOf()).toBe(first);
      await expect.poll(grantsFor).toBe(2);
      oauth.expiresInSeconds = 3599;
      await expect
        .poll(async () => {
          await call();
          return bearerOf();
        })
        .not.toBe(first);
    } finally {
      oauth.expiresInSeconds = 3599;
      await local.close();
    }
  });

  it("a refused grant is a 401 for the caller", async () => {
    const email = "refused@switchyard-test.iam.gserviceaccount.com";
    const key = JSON.stringify(oauth.serviceAccountKey(email));
    const local = await startGateway(
      `model_list:\n  - model_name: m\n    litellm_params:\n      model: vertex_ai/gemini-2.5-flash\n      api_base: ${upstream.origin}\n      vertex_project: p\n      vertex_credentials: '${key}'\n`,
    );
    oauth.failWith = 400;
    try {
      const localClient = new OpenAI({ apiKey: "unused", baseURL: `${local.url}/v1`, maxRetries: 0 });
      const error = await localClient.chat.completions
        .create({ model: "m", messages: [{ role: "user", content: "x" }] })
        .catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(JSON.stringify((error as InstanceType<typeof OpenAI.APIError>).error)).not.toContain(
        "PRIVATE KEY",
      );
    } finally {
      oauth.failWith = undefined;
      await local.close();
    }
  });
});

describe("application default credentials", () => {
  it("are used when the deployment sets no vertex_credentials (GOOGLE_APPLICATION_CREDENTIALS)", async () => {
    const email = "adc@switchyard-test.iam.gserviceaccount.com";
    const keyFile = join(keyDirectory, "adc.json");
    await writeFile(keyFile, JSON.stringify(oauth.serviceAccountKey(email, "adc-project")));
    const previous = process.env.GOOGLE_APPLICATION_CREDENTIALS;
    // google-auth-library reads ADC from the process environment, not the gateway's.
    process.env.GOOGLE_APPLICATION_CREDENTIALS = keyFile;
    const local = await startGateway(
      `model_list:\n  - model_name: m\n    litellm_params:\n      model: vertex_ai/gemini-2.5-flash\n      api_base: ${upstream.origin}\n`,
    );
    try {
      const localClient = new OpenAI({ apiKey: "unused", baseURL: `${local.url}/v1`, maxRetries: 0 });
      await localClient.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] });
      expect(upstream.requests.at(-1)!.path).toBe(
        "/v1/projects/adc-project/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent",
      );
      expect(oauth.grants.at(-1)?.email).toBe(email);
    } finally {
      if (previous === undefined) delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
      else process.env.GOOGLE_APPLICATION_CREDENTIALS = previous;
      await local.close();
    }
  });
});

describe("Claude on Vertex AI", () => {
  it("goes to :rawPredict with anthropic_version vertex-2023-10-16 and no model in the body", async () => {
    const completion = await ask("claude", "hi claude");
    expect(completion.choices[0]?.message.content).toBe("echo: hi claude");
    const sent = upstream.requests.at(-1)!;
    expect(sent.path).toBe(`${MODEL_PATH}/anthropic/models/claude-sonnet-4-5@20250929:rawPredict`);
    expect(bearerOf()).toMatch(/^Bearer ya29\.fake-\d+$/);
    expect(sent.body).toEqual({
      anthropic_version: "vertex-2023-10-16",
      max_tokens: expect.any(Number),
      messages: [{ role: "user", content: "hi claude" }],
    });
  });

  it("streams over :streamRawPredict to the Anthropic SDK", async () => {
    const anthropicClient = new Anthropic({ apiKey: "unused", baseURL: gateway.url, maxRetries: 0 });
    const message = await anthropicClient.messages
      .stream({ model: "claude", max_tokens: 64, messages: [{ role: "user", content: "stream claude" }] })
      .finalMessage();
    expect(message.content.map((block) => (block.type === "text" ? block.text : block.type))).toEqual([
      "echo: stream claude",
    ]);
    expect(upstream.requests.at(-1)!.path).toBe(
      `${MODEL_PATH}/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict`,
    );
    expect(upstream.requests.at(-1)!.body).toMatchObject({
      stream: true,
      anthropic_version: "vertex-2023-10-16",
    });
  });
});
