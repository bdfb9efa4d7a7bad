import { randomBytes } from "node:crypto";
import OpenAI, { AzureOpenAI, toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, startFixture } from "../helpers/fixture.js";
import { MASTER_KEY } from "../helpers/master-key.js";

// Azure SDK clients (and LiteLLM users who point them at the proxy) send
// `{endpoint}/openai/deployments/{deployment}/…?api-version=…` with an `api-key` header;
// LiteLLM serves those paths, and `/engines/{model}/…`, with the path naming the model.
let fixture: Fixture;

beforeAll(async () => {
  fixture = await startFixture();
});
afterAll(() => fixture.close());

function azure(options: { deployment?: string; apiKey?: string } = {}): AzureOpenAI {
  return new AzureOpenAI({
    endpoint: fixture.gateway.url,
    apiKey: options.apiKey ?? MASTER_KEY,
    apiVersion: "2024-10-21",
    maxRetries: 0,
    ...(options.deployment && { deployment: options.deployment }),
  });
}

describe("Azure-style deployment paths", () => {
  it("answers the Azure client's chat call, the deployment in the path naming the model group", async () => {
    const { data: answer, response } = await azure({ deployment: "gpt-test" })
      .chat.completions.create({
        // Azure ignores the body's model; so does LiteLLM when the path names one.
        model: "whatever-the-client-says",
        messages: [{ role: "user", content: "hello azure" }],
      })
      .withResponse();
    expect(answer.choices[0]?.message.content).toBeTruthy();
    expect(response.headers.get("x-litellm-model-group")).toBe("gpt-test");
    const sent = fixture.upstream.requests.at(-1)!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect((sent.body as { model: string }).model).toBe("gpt-4o-mini");
  });

  it("streams through the Azure client", async () => {
    const stream = await azure({ deployment: "gpt-test" }).chat.completions.create({
      model: "gpt-test",
      messages: [{ role: "user", content: "stream please" }],
      stream: true,
    });
    let text = "";
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? "";
    }
    expect(chunks).toBeGreaterThan(1);
    expect(text.length).toBeGreaterThan(0);
  });

  it("takes the deployment from the body's model when the client names none (embeddings, completions)", async () => {
    const client = azure();
    const embedded = await client.embeddings.create({ model: "gpt-test", input: ["a", "b"] });
    expect(embedded.data).toHaveLength(2);
    expect(fixture.upstream.requests.at(-1)!.path).toBe("/v1/embeddings");

    const completed = await client.completions.create({ model: "gpt-test", prompt: "Say hi" });
    expect(completed.choices[0]?.text).toBeTruthy();
    expect(fixture.upstream.requests.at(-1)!.path).toBe("/v1/completions");
  });

  it("serves /engines/{model}/chat/completions and Bearer auth on the Azure paths too", async () => {
    for (const path of [
      "/engines/gpt-test/chat/completions",
      "/openai/deployments/gpt-test/chat/completions",
    ]) {
      const response = await fetch(`${fixture.gateway.url}${path}?api-version=2024-10-21`, {
        method: "POST",
        headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ messages: [{ role: "user", content: "no model in the body" }] }),
      });
      expect(response.status, path).toBe(200);
      expect(response.headers.get("x-litellm-model-group")).toBe("gpt-test");
    }
  });

  it("uploads audio to the path's deployment", async () => {
    const answer = await azure({ deployment: "gpt-test" }).audio.transcriptions.create({
      file: await toFile(randomBytes(2_000), "clip.mp3", { type: "audio/mpeg" }),
      model: "not-the-deployment",
    });
    expect(answer.text).toBe("transcribed clip.mp3 (2000 bytes) by gpt-4o-mini");
    expect(fixture.upstream.requests.at(-1)!.path).toBe("/v1/audio/transcriptions");
  });

  it("refuses a wrong api-key and an unknown deployment in OpenAI's error JSON", async () => {
    const wrongKey = azure({ deployment: "gpt-test", apiKey: "sk-not-a-key" });
    const denied = await wrongKey.chat.completions
      .create({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] })
      .catch((error: unknown) => error);
    expect(denied).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((denied as InstanceType<typeof OpenAI.APIError>).status).toBe(401);
    expect(JSON.stringify(denied)).not.toContain("sk-not-a-key");

    const unknown = await azure({ deployment: "no-such-deployment" })
      .chat.completions.create({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] })
      .catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(OpenAI.APIError);
    const error = (unknown as InstanceType<typeof OpenAI.APIError>).error as { message: string };
    expect(error.message).toContain("no-such-deployment");
  });
});
