import { rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as wait } from "node:timers/promises";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import OpenAI from "openai";
import type { ChatCompletionCreateParamsStreaming } from "openai/resources/chat/completions";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PromptService } from "../../../gen/switchyard/v1/prompt_pb.js";
import { type FakeOpenAI, startFakeOpenAI } from "../../fakes/openai-upstream.js";
import { spawnGateway } from "../../helpers/spawn-gateway.js";
import { type RunningGateway, startGatewayWith } from "../../helpers/start-gateway.js";
import { promptDirectory } from "./prompt-files.js";

/** Polls `probe` until `accept` holds; fails after 10 s. */
async function eventually<T>(probe: () => Promise<T> | T, accept: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not met within 10 s; last value: ${JSON.stringify(value)}`);
    await wait(10);
  }
}

let upstream: FakeOpenAI;
let directory: string;
let running: RunningGateway;
const logs: Record<string, unknown>[] = [];

beforeAll(async () => {
  upstream = await startFakeOpenAI();
  directory = await promptDirectory({ "note.prompt": "First text about {{topic}}.\n" });
  const yaml =
    `model_list:\n  - model_name: slow\n    litellm_params: {model: openai/slow-stream-30, api_base: "${upstream.url}", api_key: sk-x}\n` +
    `litellm_settings:\n  global_prompt_directory: ${JSON.stringify(directory)}\n`;
  // A real logger whose lines the tests read: a failed reload is only visible there.
  const logger = pino({ level: "info" }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  running = await startGatewayWith(yaml, {
    source: join(directory, "config.yaml"),
    logger,
    loadPrompts: true,
  });
});
afterAll(async () => {
  await running?.close();
  await upstream?.close();
});

const prompts = () =>
  createClient(PromptService, createConnectTransport({ baseUrl: running.url, httpVersion: "1.1" }));
const renderedText = async (promptId = "note") => {
  const { messages } = await prompts().renderPrompt({ promptId, variables: { topic: "reloads" } });
  return messages[0]?.content[0]?.part.value;
};
const listedIds = async () => (await prompts().listPrompts({})).prompts.map((prompt) => prompt.id);

describe("prompt files reloading while the gateway runs", () => {
  it("serves a rewritten file once it changes", async () => {
    expect(await renderedText()).toBe("First text about reloads.");
    await writeFile(join(directory, "note.prompt"), "Second text about {{topic}}.\n");
    await eventually(renderedText, (text) => text === "Second text about reloads.");
  });

  it("sees files added, saved by rename, and removed", async () => {
    await writeFile(join(directory, "added.prompt"), "Added.\n");
    await eventually(listedIds, (ids) => ids.includes("added"));
    // Editors save by writing a temporary file and renaming it over the old one.
    await writeFile(join(directory, "added.tmp"), "Renamed into place.\n");
    await rename(join(directory, "added.tmp"), join(directory, "added.prompt"));
    await eventually(
      () => renderedText("added"),
      (text) => text === "Renamed into place.",
    );
    await rm(join(directory, "added.prompt"));
    await eventually(listedIds, (ids) => !ids.includes("added"));
  });

  it("keeps the loaded prompts when a changed file does not parse, and logs its path and line", async () => {
    const broken = join(directory, "broken.prompt");
    await writeFile(broken, "---\nmodel: x\ninput: {schema: {a: strin}}\n---\nHi\n");
    const failure = await eventually(
      () => logs.find((line) => line.msg === "prompts: reload failed; keeping the prompts loaded before"),
      (line) => line !== undefined,
    );
    expect(failure?.problems).toEqual([
      `${broken}:3: input.schema: Picoschema: unsupported scalar type 'strin'.`,
    ]);
    expect(await listedIds()).toEqual(["note"]);
    expect(await renderedText()).toBe("Second text about reloads.");
    await writeFile(broken, "Fixed.\n");
    await eventually(listedIds, (ids) => ids.includes("broken"));
  });

  it("lets a request in flight finish across a reload", async () => {
    const client = new OpenAI({ apiKey: "unused", baseURL: `${running.url}/v1`, maxRetries: 0 });
    const body = {
      model: "slow",
      messages: [{ role: "user", content: "one two three four five six" }],
      stream: true,
      prompt_id: "note",
      prompt_variables: { topic: "streams" },
    };
    const stream = await client.chat.completions.create(body as ChatCompletionCreateParamsStreaming);
    const chunks = stream[Symbol.asyncIterator]();
    let text = (await chunks.next()).value?.choices[0]?.delta.content ?? "";
    await writeFile(join(directory, "note.prompt"), "Third text about {{topic}}.\n");
    await eventually(renderedText, (rendered) => rendered === "Third text about reloads.");
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      text += next.value.choices[0]?.delta.content ?? "";
    }
    expect(text).toBe("echo: one two three four five six");
    const sent = upstream.requests.at(-1)!.body as { messages: unknown[] };
    expect(sent.messages[0]).toEqual({
      role: "user",
      content: "Second text about streams.",
    });
  });
});

describe("SIGHUP", () => {
  // A whole process: seconds under tsx on a busy machine.
  it("reloads the prompts and keeps the gateway running", { timeout: 30_000 }, async () => {
    const own = await promptDirectory({ "hup.prompt": "Before.\n" });
    const config = join(own, "config.yaml");
    await writeFile(config, "litellm_settings:\n  global_prompt_directory: .\n");
    const running = await spawnGateway(["--config", config]);
    try {
      running.child.kill("SIGHUP");
      await eventually(
        () => running.logs.find((line) => line.msg === "prompts reloaded" && line.reason === "SIGHUP"),
        (line) => line !== undefined,
      );
      const client = createClient(
        PromptService,
        createConnectTransport({ baseUrl: running.url, httpVersion: "1.1" }),
      );
      const { prompts: listed } = await client.listPrompts({});
      expect(listed.map((prompt) => prompt.id)).toEqual(["hup"]);
    } finally {
      expect(await running.stop()).toBe(0);
    }
  });
});
