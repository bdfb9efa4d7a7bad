import { createHash, randomBytes } from "node:crypto";
import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAI, startFakeOpenAI } from "../fakes/openai-upstream.js";
import { type RunningGateway, startGateway } from "../helpers/start-gateway.js";

const KEY = "sk-audio-upload-master";
let upstream: FakeOpenAI;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  const entry = (name: string, model: string) =>
    `  - model_name: ${name}\n    litellm_params: { model: openai/${model}, api_base: ${upstream.url}, api_key: sk-up }\n`;
  gateway = await startGateway(
    [
      // Half a MiB per request: the upload limit is the request limit.
      `general_settings: { master_key: ${KEY}, max_request_size_mb: 0.5 }`,
      "model_list:",
      entry("listener", "whisper-1"),
      entry("broken-listener", "error-500"),
      "router_settings:",
      "  num_retries: 0",
      "  fallbacks: [{broken-listener: [listener]}]",
    ].join("\n"),
  );
  client = new OpenAI({ apiKey: KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const audio = randomBytes(48_000);
const sha256 = createHash("sha256").update(audio).digest("hex");

/** What the fake upstream received last: the form's fields, and the file as it arrived. */
function lastUpload() {
  const record = upstream.requests.at(-1)!;
  return { path: record.path, body: record.body as Record<string, unknown> };
}

async function post(path: string, form: FormData, key = KEY) {
  const response = await fetch(`${gateway.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}` },
    body: form,
  });
  return {
    status: response.status,
    json: (await response.json()) as { error: { message: string; param?: string } },
  };
}

describe("audio uploads through the gateway", () => {
  it("transcribes with the official client: the file reaches the deployment's model byte for byte", async () => {
    const answer = await client.audio.transcriptions.create({
      file: await toFile(audio, "speech.mp3", { type: "audio/mpeg" }),
      model: "listener",
      language: "en",
    });
    expect(answer.text).toBe("transcribed speech.mp3 (48000 bytes) by whisper-1");
    const sent = lastUpload();
    expect(sent.path).toBe("/v1/audio/transcriptions");
    expect(sent.body).toMatchObject({ model: "whisper-1", language: "en" });
    expect(sent.body.file).toMatchObject({
      filename: "speech.mp3",
      size: audio.length,
      type: "audio/mpeg",
      sha256,
    });
  });

  it("prices verbose_json by the duration it reports (whisper-1: $0.0001 a second)", async () => {
    const { data, response } = await client.audio.transcriptions
      .create({ file: await toFile(audio, "speech.wav"), model: "listener", response_format: "verbose_json" })
      .withResponse();
    expect(data.duration).toBe(48);
    expect(Number(response.headers.get("x-litellm-response-cost"))).toBeCloseTo(48 * 0.0001, 8);
    expect(response.headers.get("x-litellm-model-group")).toBe("listener");
  });

  it("passes a text answer back as text, and serves translations", async () => {
    const text = await client.audio.transcriptions.create({
      file: await toFile(audio, "speech.mp3"),
      model: "listener",
      response_format: "text",
    });
    expect(text).toBe("transcribed speech.mp3 (48000 bytes) by whisper-1");
    const translated = await client.audio.translations.create({
      file: await toFile(audio, "speech.mp3"),
      model: "listener",
    });
    expect(translated.text).toContain("by whisper-1");
    expect(lastUpload().path).toBe("/v1/audio/translations");
  });

  it("sends the file again to a fallback when the first group fails", async () => {
    const { data, response } = await client.audio.transcriptions
      .create({ file: await toFile(audio, "speech.mp3"), model: "broken-listener" })
      .withResponse();
    expect(data.text).toBe("transcribed speech.mp3 (48000 bytes) by whisper-1");
    expect(response.headers.get("x-litellm-model-group")).toBe("listener");
    expect(lastUpload().body.file).toMatchObject({ size: audio.length, sha256 });
  });

  it("refuses an upload past the request limit with 413, before it reaches an upstream", async () => {
    const before = upstream.requests.length;
    const form = new FormData();
    form.append("file", new Blob([randomBytes(600 * 1024)]), "long.mp3");
    form.append("model", "listener");
    const answer = await post("/v1/audio/transcriptions", form);
    expect(answer.status).toBe(413);
    expect(answer.json.error.message).toContain("larger than");
    expect(upstream.requests.length).toBe(before);
  });

  it("holds JSON bodies to the same limit, on the OpenAI and Anthropic doors", async () => {
    const content = "x".repeat(600 * 1024);
    for (const [path, body] of [
      ["/v1/chat/completions", { model: "listener", messages: [{ role: "user", content }] }],
      ["/v1/messages", { model: "listener", max_tokens: 10, messages: [{ role: "user", content }] }],
    ] as const) {
      const response = await fetch(`${gateway.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(413);
      expect(JSON.stringify(await response.json())).toContain("larger than 524288 bytes");
    }
  });

  it("answers bad uploads in OpenAI's error JSON", async () => {
    const noFile = new FormData();
    noFile.append("model", "listener");
    expect(await post("/v1/audio/transcriptions", noFile)).toMatchObject({
      status: 400,
      json: { error: { param: "file" } },
    });

    const noModel = new FormData();
    noModel.append("file", new Blob([audio]), "speech.mp3");
    expect(await post("/v1/audio/transcriptions", noModel)).toMatchObject({
      status: 400,
      json: { error: { param: "model" } },
    });

    const unknown = new FormData();
    unknown.append("file", new Blob([audio]), "speech.mp3");
    unknown.append("model", "no-such-model");
    const refused = await post("/v1/audio/transcriptions", unknown);
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);

    const json = await fetch(`${gateway.url}/v1/audio/transcriptions`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "listener" }),
    });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { error: { message: string } }).error.message).toContain(
      "multipart/form-data",
    );
  });

  it("refuses a caller without a key before reading the upload", async () => {
    const form = new FormData();
    form.append("file", new Blob([audio]), "speech.mp3");
    form.append("model", "listener");
    const answer = await post("/v1/audio/transcriptions", form, "sk-wrong");
    expect(answer.status).toBe(401);
  });
});
