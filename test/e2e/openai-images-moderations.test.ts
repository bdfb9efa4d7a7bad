import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeSpeech } from "../fakes/openai-upstream.js";
import { type Fixture, startFixture, UPSTREAM_KEY } from "../helpers/fixture.js";
import { MASTER_KEY } from "../helpers/master-key.js";

let fixture: Fixture;
let client: OpenAI;

beforeAll(async () => {
  // Listed only, never called: their api_base need not answer.
  const entry = (name: string, model: string) =>
    `  - model_name: ${name}\n    litellm_params: { model: openai/${model}, api_base: "http://127.0.0.1:9" }\n`;
  fixture = await startFixture(
    [
      entry("painter", "dall-e-3"),
      entry("moderator", "omni-moderation-latest"),
      entry("speaker", "tts-1"),
      entry("listener", "whisper-1"),
      entry("my-moderator", "in-house-moderation-v2"),
    ].join(""),
  );
  client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${fixture.gateway.url}/v1`, maxRetries: 0 });
});
afterAll(() => fixture.close());

interface ErrorAnswer {
  error: { message: string; param?: string | null };
}

async function post(path: string, body: unknown): Promise<{ status: number; json: ErrorAnswer }> {
  const response = await fetch(`${fixture.gateway.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as ErrorAnswer };
}

describe("images and moderations through the gateway", () => {
  it("generates images with the deployment's upstream model and key", async () => {
    const answer = await client.images.generate({ model: "gpt-test", prompt: "a red fox", n: 2 });
    expect(answer.data?.map((image) => image.url)).toEqual([
      "https://images.fake/gpt-4o-mini/0.png",
      "https://images.fake/gpt-4o-mini/1.png",
    ]);
    expect(answer.data?.[0]?.revised_prompt).toBe("a red fox");
    const sent = fixture.upstream.requests.at(-1)!;
    expect(sent.path).toBe("/v1/images/generations");
    expect(sent.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(sent.body).toEqual({ model: "gpt-4o-mini", prompt: "a red fox", n: 2 });
  });

  it("moderates inputs, one result each", async () => {
    const answer = await client.moderations.create({
      model: "gpt-test",
      input: ["I will kill the process", "hello"],
    });
    expect(answer.results.map((result) => result.flagged)).toEqual([true, false]);
    expect(answer.results[0]?.categories.violence).toBe(true);
    expect(fixture.upstream.requests.at(-1)!.path).toBe("/v1/moderations");
  });

  it("answers on the paths without /v1 too, with the route headers", async () => {
    const response = await fetch(`${fixture.gateway.url}/moderations`, {
      method: "POST",
      headers: { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-test", input: "fine" }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-litellm-model-id")).toBeTruthy();
    expect(((await response.json()) as { results: unknown[] }).results).toHaveLength(1);
  });

  it("refuses a body without model, and an unknown model, in OpenAI's error JSON", async () => {
    const missing = await post("/v1/images/generations", { prompt: "x" });
    expect(missing.status).toBe(400);
    expect(missing.json.error).toMatchObject({ param: "model", message: expect.stringContaining("model") });

    const notObject = await post("/v1/moderations", ["input"]);
    expect(notObject.status).toBe(400);
    expect(notObject.json.error.message).toContain("JSON object");

    const unknown = await post("/v1/moderations", { model: "no-such-model", input: "x" });
    expect(unknown.status).toBeGreaterThanOrEqual(400);
    expect(unknown.status).toBeLessThan(500);
    expect(unknown.json.error.message).toContain("no-such-model");
  });

  it("streams speech back with the upstream's bytes and content type", async () => {
    const response = await client.audio.speech.create({
      model: "gpt-test",
      voice: "alloy",
      input: "say this",
      response_format: "wav",
    });
    expect(response.headers.get("content-type")).toBe("audio/wav");
    const audio = Buffer.from(await response.arrayBuffer());
    expect(audio.equals(Buffer.concat(fakeSpeech("say this")))).toBe(true);
    const sent = fixture.upstream.requests.at(-1)!;
    expect(sent.path).toBe("/v1/audio/speech");
    expect(sent.body).toMatchObject({ model: "gpt-4o-mini", voice: "alloy", input: "say this" });
  });

  it("refuses speech without a model, and passes upstream errors on before any audio", async () => {
    const missing = await post("/v1/audio/speech", { voice: "alloy", input: "x" });
    expect(missing.status).toBe(400);
    expect(missing.json.error.param).toBe("model");
    const failed = await post("/audio/speech", { model: "bad-request", voice: "alloy", input: "x" });
    expect(failed.status).toBe(400);
    expect(failed.json.error.message).toBeTruthy();
  });

  it("reports the modes of LiteLLM's model map in /model/info", async () => {
    const response = await fetch(`${fixture.gateway.url}/model/info`, {
      headers: { authorization: `Bearer ${MASTER_KEY}` },
    });
    const { data } = (await response.json()) as {
      data: { model_name: string; model_info: { mode: string } }[];
    };
    const modes = Object.fromEntries(data.map((entry) => [entry.model_name, entry.model_info.mode]));
    expect(modes).toMatchObject({
      "gpt-test": "chat",
      painter: "image_generation",
      moderator: "moderation",
      speaker: "audio_speech",
      listener: "audio_transcription",
      "my-moderator": "moderation",
    });
  });

  it("passes the upstream's errors on as OpenAI errors", async () => {
    const failed = await post("/v1/images/generations", { model: "bad-request", prompt: "x" });
    expect(failed.status).toBe(400);
    expect(failed.json.error.message).toBeTruthy();
  });
});
